# On a hot standby, sales_recall() fails at once with a read-only error
# (25006) and changes nothing; due_soon and worklist's new columns read as
# on the primary.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $primary = PostgreSQL::Test::Cluster->new('recall_primary');
$primary->init(allows_streaming => 1);
$primary->start;
# a client refused for no money 100 days ago is due for recall; one in work
# since 12 days ago is due within the warning (small: 14 days)
$primary->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (name) VALUES ('Anna');
	SELECT set_config('salesalgo.now', (now() - interval '100 days')::text, false);
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('refused', 'small', 1);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money';
	SELECT set_config('salesalgo.now', (now() - interval '12 days')::text, false);
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('due soon', 'small', 1);
});
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('recall_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

my $started = time;
my ($ret, $stdout, $stderr) = $standby->psql('postgres',
	'SELECT salesalgo.sales_recall()', extra_params => [ '-v', 'VERBOSITY=verbose' ]);
my $seconds = time - $started;
isnt($ret, 0, 'sales_recall() fails on the standby');
like($stderr, qr/ERROR:  25006: cannot execute sales_recall\(\) in a read-only transaction/,
	'with a read-only error, 25006');
cmp_ok($seconds, '<', 10, 'at once');

is($standby->safe_psql('postgres', q{
	SELECT (SELECT string_agg(name, ', ') FROM salesalgo.due_soon) || ' / ' ||
	       (SELECT due_soon || ' ' || recall FROM salesalgo.worklist)}),
	'due soon / 1 0', 'due_soon and the worklist answer on the standby');

# the primary recalls, and the standby sees it
is($primary->safe_psql('postgres', 'SELECT salesalgo.sales_recall()'), '1',
	'the primary recalls the client');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', q{
	SELECT (SELECT state FROM salesalgo.client WHERE name = 'refused') || ' ' ||
	       (SELECT recall FROM salesalgo.worklist)}),
	'recall 1', 'the standby sees the client in the recall pool');

$standby->stop;
$primary->stop;
done_testing();
