# On a hot standby, sales_expire() and distribute_leads() fail at once with a
# read-only error and change nothing; the types, tables, views and the trial
# report read as on the primary.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (name) VALUES ('Anna');
	SET salesalgo.now = '2026-01-01 09:00+00';
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('overdue', 'small', 1);
	INSERT INTO salesalgo.client (name, size) VALUES ('lead', 'medium');
});
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

for my $call ('sales_expire()', 'distribute_leads()')
{
	my $started = time;
	my ($ret, $stdout, $stderr) = $standby->psql('postgres', "SELECT salesalgo.$call");
	my $seconds = time - $started;
	isnt($ret, 0, "$call fails on the standby");
	like($stderr, qr/ERROR:  cannot execute \Q$call\E in a read-only transaction/,
		"with a read-only error ($call)");
	cmp_ok($seconds, '<', 10, "at once ($call)");
}

is($standby->safe_psql('postgres', q{
	SET search_path = public, salesalgo;
	SELECT string_agg(name || ' ' || state || ' ' || label(state, 'ru') || ' ' || size, ', ' ORDER BY id)
	FROM client WHERE state <= 'contact_3'}),
	'overdue new Новый клиент small, lead new Новый клиент medium',
	'the types and tables read on the standby');
is($standby->safe_psql('postgres', q{
	SELECT (SELECT sum(clients) FROM salesalgo.pipeline) || ' ' ||
	       (SELECT in_work FROM salesalgo.worklist) || ' ' ||
	       (SELECT count(*) FROM salesalgo.overdue) || ' ' ||
	       (SELECT reached FROM salesalgo.funnel WHERE step = 1) || ' ' ||
	       (SELECT stays FROM salesalgo.stage_time WHERE state::text = 'new') || ' ' ||
	       (SELECT taken_into_work FROM salesalgo.trial_report('2026-01-01', '2026-02-01')
	        WHERE manager_id IS NULL)}),
	'2 1 1 2 0 1', 'the views and the trial report answer on the standby');
is($primary->safe_psql('postgres', q{
	SELECT count(*) FROM salesalgo.client WHERE manager_id IS NULL OR state::text <> 'new'}),
	'1', 'nothing changed on the primary');

$standby->stop;
$primary->stop;
done_testing();
