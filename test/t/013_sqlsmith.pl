# sqlsmith's random queries against a department at work, for a bounded
# time (SALESALGO_SQLSMITH_SECONDS, 30 in the suite; ./run sqlsmith runs
# longer).  It queries and changes the tables, views and functions as a
# head of sales may.  Afterwards the server has never crashed and check()
# finds nothing wrong but caps a head may lower below what a manager holds.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{SALESALGO_SQLSMITH_SECONDS} // 30;
my $seed = $ENV{SALESALGO_SQLSMITH_SEED} // 1;
my $node = PostgreSQL::Test::Cluster->new('sqlsmith');
$node->init;
$node->start;
my $postmaster = $node->{_pid};

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+03';
	INSERT INTO salesalgo.category (name) VALUES ('trade'), ('production');
	INSERT INTO salesalgo.manager (name, login, worklist_cap)
		SELECT 'manager ' || i, 'login' || i, 50 FROM generate_series(1, 8) AS i;
	INSERT INTO salesalgo.client (name, size, manager_id, category_id, attributes)
		SELECT 'client ' || i,
		       (ARRAY['small', 'medium', 'large', 'nonprofile'])[1 + i % 4]::salesalgo.client_size,
		       CASE WHEN i % 4 <> 3 AND i % 5 <> 0 THEN 1 + i % 8 END, 1 + i % 2,
		       jsonb_build_object('n', i)
		FROM generate_series(1, 400) AS i;
	UPDATE salesalgo.client SET state = 'contact_1'
		WHERE id % 3 = 0 AND size OPERATOR(salesalgo.<>) 'nonprofile';
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id % 7 = 0;
	UPDATE salesalgo.client SET state = 'recall' WHERE id % 14 = 0;
	CREATE ROLE smith LOGIN;
	SELECT salesalgo.grant_access('smith', 'head');
});

my ($out, $err) = ('', '');
IPC::Run::run(
	[
		'timeout', $seconds, 'sqlsmith', '--exclude-catalog', "--seed=$seed", '--verbose',
		'--target=' . $node->connstr('postgres') . ' user=smith'
	],
	'>', \$out, '2>', \$err);
diag("sqlsmith for ${seconds}s (seed $seed): "
	  . ($err =~ /\n([^\n]*queries[^\n]*)/ ? $1 : 'see the log'));
unlike($err, qr/connection to server .* (lost|closed)|server closed the connection/i,
	'sqlsmith never lost its connection') or diag substr($err, -2000);
cmp_ok(length($err), '>', 0, 'sqlsmith ran');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');
unlike(slurp_file($node->logfile), qr/terminated by signal|was terminated by exception/,
	'no backend crashed');
is($node->{_pid}, $postmaster, 'the same postmaster');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM salesalgo.check() WHERE invariant <> 'worklist_cap'}),
	'0', 'check() finds nothing wrong after what sqlsmith changed');
diag('history rows written meanwhile: '
	  . $node->safe_psql('postgres',
		q{SELECT count(*) FROM salesalgo.client_history WHERE changed_by = 'smith'}));

$node->stop;
done_testing();
