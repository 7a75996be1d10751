# pg_cron runs sales_expire() on schedule: an overdue client leaves its
# worklist with no SQL from the test.  schedule_expire() replaces its job
# rather than duplicating it; where pg_cron lives in another database, the
# error's hint is the exact call to run there, and that call works; a job
# for another database is not silently kept there.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
});
$node->start;

# A small client taken into work 20 days ago is 6 days overdue; one taken
# today is not.
my $department = q{
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (name) VALUES ('Anna');
	SELECT set_config('salesalgo.now', (now() - interval '20 days')::text, false);
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('overdue', 'small', 1);
	RESET salesalgo.now;
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('in time', 'small', 1);
};
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
$node->safe_psql('postgres', $department);

my $job = $node->safe_psql('postgres', q{SELECT salesalgo.schedule_expire('*/5 * * * *')});
like($job, qr/^\d+$/, 'schedule_expire() returns the job id');
is($node->safe_psql('postgres', q{SELECT salesalgo.schedule_expire('* * * * *')}),
	$job, 'a second call replaces the job');
is($node->safe_psql('postgres', q{
	SELECT count(*) || ' ' || min(schedule) || ' ' || min(database) || ' ' || min(command)
	FROM cron.job WHERE jobname = 'salesalgo-expire'}),
	'1 * * * * * postgres SELECT expired FROM salesalgo.expire_for_cron()',
	'one job, with the new schedule');

ok($node->poll_query_until('postgres', q{
	SELECT state::text = 'refusal' FROM salesalgo.client WHERE name = 'overdue'}),
	'pg_cron moved the overdue client out of the worklist');
is($node->safe_psql('postgres', q{
	SELECT to_state || ' ' || refusal_reason || ' ' || source FROM salesalgo.client_history
	WHERE client_id = 1 ORDER BY id DESC LIMIT 1}),
	'refusal deadline sales_expire', 'the history says sales_expire did it');
is($node->safe_psql('postgres', q{SELECT state FROM salesalgo.client WHERE name = 'in time'}),
	'new', 'the client within its term stays');
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) > 0 FROM cron.job_run_details WHERE jobid = $job AND status = 'succeeded'}),
	'cron.job_run_details records the run');
# with cron.use_background_workers, pg_cron records the command tag: one
# row per client expired makes it say how many (041 tests libpq mode)
is($node->safe_psql('postgres', qq{
	SELECT string_agg(DISTINCT return_message, ', ') FROM cron.job_run_details
	WHERE jobid = $job AND status = 'succeeded'
	  AND start_time <= (SELECT max(run_at) FROM salesalgo.expire_runs WHERE moved = 1)}),
	'SELECT 1', 'the run\'s message says how many clients it expired');

is($node->safe_psql('postgres', 'SELECT salesalgo.unschedule_expire()'), 't',
	'unschedule_expire() removes the job');
is($node->safe_psql('postgres', 'SELECT salesalgo.unschedule_expire()'), 'f',
	'and says so when there is none');
is($node->safe_psql('postgres', q{SELECT count(*) FROM cron.job}), '0', 'no job is left');

# salesalgo in a database without pg_cron
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', $department);
my ($ret, $stdout, $stderr) =
  $node->psql('sales', q{SELECT salesalgo.schedule_expire('* * * * *')});
isnt($ret, 0, 'schedule_expire() fails where pg_cron is not installed');
like($stderr, qr/ERROR:  pg_cron is not installed in database "sales"/, 'and says why');
my ($hint) = $stderr =~ /HINT:  Run this in the pg_cron database: (.*)$/m;
is($hint,
	q{SELECT cron.schedule_in_database('salesalgo-expire', '* * * * *', 'SELECT expired FROM salesalgo.expire_for_cron()', 'sales');},
	'its hint is the exact call to run in the pg_cron database');
($ret, $stdout, $stderr) = $node->psql('sales', 'SELECT salesalgo.unschedule_expire()');
like($stderr, qr/HINT:  Run this in the pg_cron database: SELECT cron.unschedule\('salesalgo-expire'\);/,
	'unschedule_expire() hints likewise');

$node->safe_psql('postgres', $hint);
ok($node->poll_query_until('sales', q{
	SELECT state::text = 'refusal' FROM salesalgo.client WHERE name = 'overdue'}),
	'the hinted job expires the overdue client in the other database');

# The job is the cluster's one: scheduling it from another database with
# salesalgo refuses rather than keep it where it is under a new schedule.
($ret, $stdout, $stderr) =
  $node->psql('postgres', q{SELECT salesalgo.schedule_expire('*/10 * * * *')});
isnt($ret, 0, 'schedule_expire() refuses to take over a job of another database');
like($stderr, qr/ERROR:  the pg_cron job salesalgo-expire runs sales_expire\(\) in database "sales", not here/,
	'and says which database has it');
like($stderr, qr/HINT:  To expire here instead, unschedule it first: SELECT cron.unschedule\('salesalgo-expire'\);/,
	'and how to move it');
is($node->safe_psql('postgres', q{SELECT database || ' ' || schedule FROM cron.job WHERE jobname = 'salesalgo-expire'}),
	'sales * * * * *', 'the job is unchanged');
$node->safe_psql('postgres', q{SELECT cron.unschedule('salesalgo-expire')});
like($node->safe_psql('postgres', q{SELECT salesalgo.schedule_expire('*/10 * * * *')}), qr/^\d+$/,
	'once unscheduled there, it is scheduled here');
is($node->safe_psql('postgres', q{SELECT database || ' ' || schedule FROM cron.job WHERE jobname = 'salesalgo-expire'}),
	'postgres */10 * * * *', 'for this database');

$node->stop;
done_testing();
