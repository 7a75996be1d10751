# What the DBA reads in cron.job_run_details after the scheduled expiry
# (issue 12.5).  pg_cron 1.4 records a successful job's last result: its row
# count ("2 rows") over libpq, its command tag ("SELECT 2") with
# cron.use_background_workers (003); notices are not recorded.  So the job
# runs expire_for_cron(), one row per client expired, and the message says
# how many; what was skipped and why is in salesalgo.expire_runs, next to it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron_message');
$node->init;
my $host = $node->host;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = off
cron.host = '$host'
});
$node->start;

# two small clients taken into work 20 days ago are overdue; one is not
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_cron;
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (name) VALUES ('Anna');
	SELECT set_config('salesalgo.now', (now() - interval '20 days')::text, false);
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('late 1', 'small', 1), ('late 2', 'small', 1);
	RESET salesalgo.now;
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('in time', 'small', 1);
});

my $job = $node->safe_psql('postgres', q{SELECT salesalgo.schedule_expire('* * * * *')});
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) > 0 FROM cron.job_run_details
	WHERE jobid = $job AND status = 'succeeded' AND return_message = '2 rows'}),
	'cron.job_run_details: the run that expired two clients says "2 rows"');
is($node->safe_psql('postgres', q{
	SELECT string_agg(state::text, ' ' ORDER BY id) FROM salesalgo.client}),
	'refusal refusal new', 'the two overdue clients were expired');
is($node->safe_psql('postgres', q{
	SELECT moved || ' ' || skipped || ' ' || overdue_past_grace || ' ' || sessions_ended
	FROM salesalgo.expire_runs WHERE moved > 0}),
	'2 0 0 0', 'salesalgo.expire_runs has the run, with nothing skipped');

# The next minute's run has nothing to do, and says so.
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) > 0 FROM cron.job_run_details
	WHERE jobid = $job AND status = 'succeeded' AND return_message = '0 rows'}),
	'a run with nothing overdue says "0 rows"');

$node->safe_psql('postgres', 'SELECT salesalgo.unschedule_expire()');
$node->stop;
done_testing();
