# The benchmark's PL/pgSQL reference (bench/reference.sql) enforces the same
# rules as salesalgo where they apply, so that the comparison is fair: the
# same behavioural script gives the same outcomes against both.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('reference');
$node->init;
$node->start;

sub behaviour
{
	my ($schema) = @_;
	my $db = "behaviour_$schema";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION salesalgo');
	$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', 'bench/reference.sql',
		'-d', $node->connstr($db) ], "the reference installs ($schema)")
	  if $schema eq 'ref';
	my ($stdout, $stderr);
	IPC::Run::run([ 'psql', '-X', '-q', '-v', "s=$schema", '-f', 'test/behaviour.sql',
		'-d', $node->connstr($db) ], '>', \$stdout, '2>', \$stderr);
	is($stderr, '', "the behaviour script runs cleanly ($schema)");
	return $stdout;
}

my $salesalgo = behaviour('salesalgo');
my $reference = behaviour('ref');
is($reference, $salesalgo, 'the reference behaves as salesalgo does');
like($salesalgo, qr/^R6 third of two: 23514 manager_worklist_cap$/m, 'the script can tell a rule broken');
like($salesalgo, qr/^R1 created in deal: 23514 client_state_transition$/m, 'and a move refused');
note($salesalgo);

$node->stop;
done_testing();
