# Nobody postpones an expiry past settings.expire_grace (issue 11.2, 16.4).
# A held row is skipped for a run while the client is within the grace;
# past it, sales_expire() waits a bounded time, ends the session of a
# manager's login that holds the client's row or its manager's row, and
# only waits for an application's session.  Each run is reported in a
# NOTICE (a WARNING when a client past the grace stays) and in
# salesalgo.expire_runs.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('grace');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE ROLE anna LOGIN;
	CREATE ROLE head LOGIN;
	CREATE ROLE crm_app LOGIN;
	CREATE EXTENSION salesalgo;
	SELECT salesalgo.grant_access('anna', 'manager');
	SELECT salesalgo.grant_access('head', 'head');
	-- ending a session takes what pg_terminate_backend() takes
	GRANT pg_signal_backend TO head;
	GRANT SELECT, UPDATE ON salesalgo.client TO crm_app;
	INSERT INTO salesalgo.manager (id, name, login) VALUES (1, 'Anna', 'anna'), (2, 'Boris', NULL);
	UPDATE salesalgo.settings SET expire_wait = '3 seconds';
});
is($node->safe_psql('postgres', 'SELECT expire_grace, notify_events FROM salesalgo.settings'),
	'00:10:00|f', 'installed: a grace of 10 minutes, live events off');

# Anna's clients 1 and 2, Boris's 3 and 5, all small (14 days), taken into
# work $ago before now; client 4 of Anna's is within its term.
sub department
{
	my ($ago) = @_;
	$node->safe_psql('postgres', qq{
		DELETE FROM salesalgo.client;
		SELECT set_config('salesalgo.now', (now() - interval '$ago')::text, false);
		INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
			(1, 'a1', 'small', 1), (2, 'a2', 'small', 1), (3, 'b1', 'small', 2), (5, 'b2', 'small', 2);
		RESET salesalgo.now;
		INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (4, 'a3', 'small', 1);
	});
}

sub states
{
	return $node->safe_psql('postgres',
		q{SELECT string_agg(id || '=' || state, ' ' ORDER BY id) FROM salesalgo.client});
}

sub last_run
{
	return $node->safe_psql('postgres', q{
		SELECT moved || ' ' || skipped || ' ' || overdue_past_grace || ' ' || sessions_ended
		FROM salesalgo.expire_runs ORDER BY id DESC LIMIT 1});
}

# the head of sales runs the expiry, as the issue's reproduction does
sub expire_as_head
{
	my ($as_of) = @_;
	my ($stdout, $stderr) = ('', '');
	my $call = defined $as_of ? "salesalgo.sales_expire('$as_of')" : 'salesalgo.sales_expire()';
	$node->psql('postgres', "SELECT $call",
		stdout => \$stdout, stderr => \$stderr,
		extra_params => [ '-U', 'head' ]);
	return ($stdout, $stderr);
}

sub session_of
{
	my ($role) = @_;
	return $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', $role ]);
}

sub alive
{
	my ($session) = @_;
	return $session->query_safe('SELECT 1') eq '1';
}

# a session the server ended: gone from pg_stat_activity, its psql finished
sub ended
{
	my ($session, $role) = @_;
	my $gone = $node->poll_query_until('postgres',
		qq{SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE usename = '$role')});
	eval { $session->{run}->kill_kill; };
	return $gone;
}

# 1. Within the grace, a held client is skipped for this run, and said so.
department('14 days 5 minutes');
my $anna = session_of('anna');
$anna->query_safe('BEGIN');
is($anna->query_safe(q{SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM salesalgo.client FOR UPDATE) AS c}),
	'1,2,4', 'anna holds her own clients, all she can see');
my ($moved, $stderr) = expire_as_head();
is($moved, '2', 'within the grace: Boris\'s clients move, Anna\'s held ones wait for a later run');
like($stderr, qr/NOTICE:  sales_expire\(\) left 2 overdue clients that other sessions hold/,
	'the run says what it left');
like($stderr, qr/DETAIL:  Moved 2. Those left are overdue by less than settings.expire_grace \(00:10:00\): a later run expires them./,
	'and why');
is(last_run(), '2 2 0 0', 'expire_runs: moved 2, skipped 2, none past the grace, no session ended');
ok(alive($anna), 'anna\'s session is left alone within the grace');
$anna->query_safe('COMMIT');
$anna->quit;

# 2. The issue's reproduction: past the grace, anna's open transaction does
# not postpone her expiries; her session is ended.  as_of 'infinity' makes
# client 4, within its term, due too, but not past the grace: it is skipped.
department('20 days');
$anna = session_of('anna');
$anna->query_safe('BEGIN');
$anna->query_safe('SELECT id FROM salesalgo.client FOR UPDATE');
($moved, $stderr) = expire_as_head('infinity');
is($moved, '4', 'past the grace every overdue client moves, anna\'s included');
is(states(), '1=refusal 2=refusal 3=refusal 4=new 5=refusal',
	'the client whose deadline has not passed by more than the grace stays');
like($stderr, qr/Ended the session of manager login anna \(pid \d+\), which held client [12] past the grace/,
	'the run says whose session it ended');
is(last_run(), '4 1 0 1', 'expire_runs: moved 4, client 4 left within the grace, one session ended');
ok(ended($anna, 'anna'), 'anna\'s session is gone');
is($node->safe_psql('postgres', q{
	SELECT string_agg(client_id || ' ' || to_state || ' ' || refusal_reason || ' ' || source, ', ' ORDER BY client_id)
	FROM salesalgo.client_history WHERE client_id IN (1, 2) AND source = 'sales_expire'}),
	'1 refusal deadline sales_expire, 2 refusal deadline sales_expire', 'history says sales_expire did it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo."check"()'), '0', 'check() finds nothing wrong');

# 3. Issue 16.4: anna's open transaction moved one of her clients, so it
# holds her manager row; that does not postpone her other client's expiry.
department('20 days');
$anna = session_of('anna');
$anna->query_safe('BEGIN');
# client 4 leaves her worklist: her manager row's count is held
$anna->query_safe(q{UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 4});
($moved, $stderr) = expire_as_head();
is($moved, '4', 'a held manager row does not postpone the expiry past the grace');
like($stderr, qr/NOTICE:  sales_expire\(\) ended 1 session that held clients past the grace/,
	'the run says it ended a session');
like($stderr, qr/Ended the session of manager login anna \(pid \d+\)/, 'anna\'s session was ended');
ok(ended($anna, 'anna'), 'and is gone');
is(states(), '1=refusal 2=refusal 3=refusal 4=new 5=refusal', 'her move rolled back, both overdue clients expired');
is($node->safe_psql('postgres', 'SELECT in_work FROM salesalgo.manager WHERE id = 1'), '1',
	'her count holds only the client within its term');

# 4. An application's session holding a row for a moment is waited for,
# never ended.
department('20 days');
my ($app_out, $app_err) = ('', '');
my $app_run = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-U', 'crm_app', '-c',
	  'BEGIN; SELECT id FROM salesalgo.client WHERE id = 3 FOR UPDATE; SELECT pg_sleep(1); COMMIT;' ],
	'>', \$app_out, '2>', \$app_err);
ok($node->poll_query_until('postgres', q{
	SELECT EXISTS (SELECT FROM pg_stat_activity WHERE usename = 'crm_app' AND wait_event = 'PgSleep')}),
	'the application holds client 3');
my $started = time;
($moved, $stderr) = expire_as_head();
my $took = time - $started;
is($moved, '4', 'the client the application held for a moment is expired in the same run');
unlike($stderr, qr/Ended/, 'no session was ended');
cmp_ok($took, '<', 5.5, 'the run waited for the application, about as long as it held the row');
ok($app_run->finish, 'the application\'s transaction committed; its session was not ended')
  or diag($app_err);

# 5. An application that holds a client past the wait: the client is left,
# with a WARNING; the session lives; it is waited for once per run however
# many clients it holds; the next run expires them.
department('20 days');
my $app = session_of('crm_app');
$app->query_safe('BEGIN');
$app->query_safe('SELECT id FROM salesalgo.client WHERE id IN (3, 5) FOR UPDATE');
$started = time;
($moved, $stderr) = expire_as_head();
$took = time - $started;
is($moved, '2', 'anna\'s clients move, the application\'s held ones stay');
like($stderr,
	qr/WARNING:  sales_expire\(\) left 2 overdue clients that other sessions hold\nDETAIL:  Moved 2. 2 of those left are overdue by more than settings.expire_grace \(00:10:00\)./,
	'a WARNING says that clients past the grace stayed');
like($stderr, qr/A session of crm_app \(pid \d+\), no manager's login, held client 3 past the grace and was waited for\./,
	'and who held them');
cmp_ok($took, '<', 5.5, 'the application was waited for once (3 s), not once per client');
is(last_run(), '2 2 2 0', 'expire_runs: moved 2, skipped 2, 2 past the grace, no session ended');
ok(alive($app), 'the application\'s session lives');
$app->query_safe('COMMIT');
$app->quit;
($moved, $stderr) = expire_as_head();
is($moved, '2', 'once released, the next run expires them');
is($stderr, '', 'and has nothing to report');

# 6. A superuser's session is never ended, even with a manager's login.
department('20 days');
$node->safe_psql('postgres', q{CREATE ROLE boss LOGIN SUPERUSER; UPDATE salesalgo.manager SET login = 'boss' WHERE id = 2});
my $boss = session_of('boss');
$boss->query_safe('BEGIN');
$boss->query_safe('SELECT id FROM salesalgo.client WHERE id = 3 FOR UPDATE');
($moved, $stderr) = expire_as_head();
is($moved, '3', 'the superuser\'s held client stays');
ok(alive($boss), 'the superuser\'s session lives');
$boss->query_safe('ROLLBACK');
$boss->quit;

# 7. sales_expire() stays restricted, and expire_runs is written by it only.
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT salesalgo.sales_expire()',
	extra_params => [ '-U', 'anna' ]);
like($err, qr/permission denied for function sales_expire/, 'a manager cannot run sales_expire()');
($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO salesalgo.expire_runs (run_at, as_of, moved, skipped, overdue_past_grace, sessions_ended) VALUES (now(), now(), 0, 0, 0, 0)},
	extra_params => [ '-U', 'head' ]);
like($err, qr/permission denied for table expire_runs/, 'nobody but sales_expire() writes the log');

$node->stop;
done_testing();
