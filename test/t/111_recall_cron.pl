# The scheduled job that schedule_expire() makes runs sales_recall() as
# well as sales_expire(): a client refused for no money 100 days ago comes
# back to the recall pool with no SQL from the test, and the job's message
# still counts the clients expired.  A recall that fails leaves the run's
# expiry done.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('recall_cron');
$node->init;
my $host = $node->host;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = off
cron.host = '$host'
});
$node->start;

# two clients overdue, one refused 100 days ago (no_money: 90 days), one
# refused 10 days ago
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_cron;
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (name) VALUES ('Anna');
	SELECT set_config('salesalgo.now', (now() - interval '100 days')::text, false);
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (1, 'refused long ago', 'small', 1);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 1;
	SELECT set_config('salesalgo.now', (now() - interval '20 days')::text, false);
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
		(2, 'late 1', 'small', 1), (3, 'late 2', 'small', 1), (4, 'refused lately', 'small', 1);
	SELECT set_config('salesalgo.now', (now() - interval '10 days')::text, false);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 4;
});

my $job = $node->safe_psql('postgres', q{SELECT salesalgo.schedule_expire('* * * * *')});
ok($node->poll_query_until('postgres', qq{
	SELECT count(*) > 0 FROM cron.job_run_details
	WHERE jobid = $job AND status = 'succeeded' AND return_message = '2 rows'}),
	'the run that expired two clients says "2 rows"');
is($node->safe_psql('postgres', q{
	SELECT string_agg(id || ' ' || state, ', ' ORDER BY id) FROM salesalgo.client}),
	'1 recall, 2 refusal, 3 refusal, 4 refusal',
	'the same run recalled the client refused 100 days ago, and no other');
is($node->safe_psql('postgres', q{
	SELECT string_agg(client_id || ' ' || source, ', ' ORDER BY client_id)
	FROM salesalgo.client_history WHERE to_state::text = 'recall'}),
	'1 sales_recall', 'the history says sales_recall did it');
$node->safe_psql('postgres', 'SELECT salesalgo.unschedule_expire()');

# A recall that fails (here a DBA's trigger refuses it) is a warning: the
# expiry of the same run stays done.
$node->safe_psql('postgres', q{
	CREATE FUNCTION no_recall() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		RAISE EXCEPTION 'no recalls today' USING ERRCODE = 'P0001';
	END $$;
	CREATE TRIGGER no_recall BEFORE UPDATE ON salesalgo.client
		FOR EACH ROW WHEN (NEW.state::text = 'recall') EXECUTE FUNCTION no_recall();
	SELECT set_config('salesalgo.now', (now() - interval '20 days')::text, false);
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (5, 'late 3', 'small', 1);
	SELECT set_config('salesalgo.now', (now() - interval '100 days')::text, false);
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (6, 'refused long ago too', 'small', 1);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 6;
	UPDATE salesalgo.refusal_reason SET recall_after = '30 days' WHERE code = 'crisis';
});
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	'SELECT count(*) FROM salesalgo.expire_for_cron()');
is($ret, 0, 'expire_for_cron() succeeds when the recall fails');
is($stdout, '1', 'and counts the client it expired');
like($stderr,
	qr/WARNING:  sales_recall\(\) failed in the scheduled run, the expiry was kept: no recalls today/,
	'the failed recall is a warning');
is($node->safe_psql('postgres', q{
	SELECT string_agg(id || ' ' || state, ', ' ORDER BY id) FROM salesalgo.client WHERE id >= 5}),
	'5 refusal, 6 refusal', 'client 5 expired, client 6 not recalled');

$node->stop;
done_testing();
