# The views and the trial report, read through a real client driver as a BI
# tool reads them (Debian's python3-psycopg2): column names, types, rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('bi');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'seed=3', '-o', '/dev/null',
	  '-f', 'demo/demo.sql', '-d', $node->connstr('sales') ],
	'the demo department is in place');

my ($stdout, $stderr);
ok(IPC::Run::run([ '/usr/bin/python3', 'test/bi_client.py', $node->connstr('sales') ],
		'>', \$stdout, '2>', \$stderr), 'psycopg2 reads every view') or diag($stderr);

my %expected = (
	pipeline => [
		'state salesalgo.client_state', 'label text', 'label_ru text',
		'in_worklist boolean', 'clients bigint', 'share numeric' ],
	worklist => [
		'manager_id bigint', 'name text', 'login name', 'active boolean',
		'in_work integer', 'cap integer', 'free integer', 'load numeric',
		'overdue bigint', 'next_deadline timestamp with time zone',
		'due_soon bigint', 'recall bigint' ],
	due_soon => [
		'client_id bigint', 'name text', 'size salesalgo.client_size',
		'manager_id bigint', 'manager_name text', 'state salesalgo.client_state',
		'deadline_at timestamp with time zone', 'due_in interval' ],
	overdue => [
		'client_id bigint', 'name text', 'size salesalgo.client_size',
		'manager_id bigint', 'manager_name text', 'state salesalgo.client_state',
		'deadline_at timestamp with time zone', 'overdue_by interval' ],
	funnel => [
		'step integer', 'state salesalgo.client_state', 'label text',
		'reached bigint', 'converted bigint', 'conversion numeric', 'entered_next bigint' ],
	stage_time => [
		'state salesalgo.client_state', 'label text', 'stays bigint',
		'average interval', 'median interval', 'p90 interval' ],
	trial_report => [
		'manager_id bigint', 'name text', 'taken_into_work bigint', 'deals bigint',
		'refusals bigint', 'expired bigint', 'median_days_to_deal numeric',
		'avg_load numeric', 'moves jsonb', 'refusals_by_reason jsonb',
		'conversion numeric' ]);

my %columns;
my %rows;
for my $line (split /\n/, $stdout)
{
	my ($view, $column, $type) = split / /, $line, 3;
	if ($column eq 'rows') { $rows{$view} = $type; }
	else { push @{ $columns{$view} }, "$column $type"; }
}
for my $view (sort keys %expected)
{
	is_deeply($columns{$view}, $expected{$view}, "$view: column names and types");
}
is($rows{funnel}, 7, 'funnel: one row per state of the main path');
is($rows{stage_time}, 10, 'stage_time: one row per state');
is($rows{worklist}, 8, 'worklist: one row per manager');
is($rows{trial_report}, 9, 'trial_report: one row per manager and a total');
is($rows{pipeline}, $node->safe_psql('sales',
	'SELECT count(DISTINCT state) FROM salesalgo.client'), 'pipeline: one row per state with clients');
is($rows{overdue}, $node->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.client WHERE deadline_at <= now()}),
	'overdue: one row per client past its deadline');

$node->stop;
done_testing();
