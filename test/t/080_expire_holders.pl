# Who holds an overdue client, as sales_expire() sees it past the grace:
# a foreign key's check (FOR KEY SHARE) is no hold, since the expiry
# changes no key; a prepared transaction is waited for once per run,
# whatever it holds, and named; a session is ended only when the role
# running sales_expire() may end it as pg_terminate_backend() would let it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('holders');
$node->init;
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 5');
$node->start;

$node->safe_psql('postgres', q{
	CREATE ROLE anna LOGIN;
	CREATE ROLE head LOGIN;
	CREATE ROLE head_plain LOGIN;
	CREATE EXTENSION salesalgo;
	SELECT salesalgo.grant_access('anna', 'manager');
	SELECT salesalgo.grant_access('head', 'head');
	SELECT salesalgo.grant_access('head_plain', 'head');
	GRANT pg_signal_backend TO head;
	INSERT INTO salesalgo.manager (id, name, login) VALUES (1, 'Anna', 'anna'), (2, 'Boris', NULL);
	UPDATE salesalgo.settings SET expire_wait = '3 seconds';
	-- the application's own table: a manager logs her calls
	CREATE TABLE public.calls (client_id bigint NOT NULL REFERENCES salesalgo.client, note text);
	GRANT INSERT ON public.calls TO anna;
});

# clients 1, 2 (Anna's), 3, 5 (Boris's): overdue past the grace
sub department
{
	$node->safe_psql('postgres', q{
		DELETE FROM public.calls;
		DELETE FROM salesalgo.client;
		SELECT set_config('salesalgo.now', (now() - interval '20 days')::text, false);
		INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
			(1, 'a1', 'small', 1), (2, 'a2', 'small', 1), (3, 'b1', 'small', 2), (5, 'b2', 'small', 2);
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

sub expire_as
{
	my ($role) = @_;
	my ($stdout, $stderr) = ('', '');
	$node->psql('postgres', 'SELECT salesalgo.sales_expire()',
		stdout => \$stdout, stderr => \$stderr, extra_params => [ '-U', $role ]);
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
	my $out = eval { $session->query('SELECT 1') };
	return defined $out && $out eq '1';
}

# 1. Anna logs a call about client 1 in an open transaction: the foreign
# key's check holds client 1 FOR KEY SHARE.  The expiry does not wait for
# that, and her session lives.
department();
my $anna = session_of('anna');
$anna->query_safe('BEGIN');
$anna->query_safe(q{INSERT INTO public.calls VALUES (1, 'called, no answer')});
my $started = time;
my ($moved, $stderr) = expire_as('head');
my $took = time - $started;
is($moved, '4', 'a foreign key\'s check does not hold the expiry: all four clients expire');
unlike($stderr, qr/Ended/, 'no session was ended');
cmp_ok($took, '<', 2.5, 'nothing was waited for');
is(last_run(), '4 0 0 0', 'expire_runs: moved 4, none skipped, none ended');
ok(alive($anna), 'anna\'s session lives');
ok(eval { $anna->query_safe('COMMIT'); 1 }, 'and commits her call');
is($node->safe_psql('postgres', 'SELECT count(*) FROM public.calls'), '1', 'one call logged');
eval { $anna->quit; };

# 2. A head of sales who may not signal other sessions (no
# pg_signal_backend) cannot end anna's through sales_expire(): it waits,
# leaves her clients, and says why.
department();
$anna = session_of('anna');
$anna->query_safe('BEGIN');
$anna->query_safe('SELECT id FROM salesalgo.client WHERE id = 1 FOR UPDATE');
($moved, $stderr) = expire_as('head_plain');
is($moved, '3', 'the client anna holds stays');
like($stderr, qr/A session of manager login anna \(pid \d+\) held client 1 past the grace and was waited for; it was not ended/,
	'the run says it could not end her session');
is(last_run(), '3 1 1 0', 'expire_runs: moved 3, skipped 1, none ended');
ok(alive($anna), 'anna\'s session lives');
eval { $anna->query_safe('ROLLBACK'); };
eval { $anna->quit; };
($moved, $stderr) = expire_as('head');
is($moved, '1', 'released, the next run expires her client');

# ... while a head with pg_signal_backend does end it
department();
$anna = session_of('anna');
$anna->query_safe('BEGIN');
$anna->query_safe('SELECT id FROM salesalgo.client WHERE id = 1 FOR UPDATE');
($moved, $stderr) = expire_as('head');
is($moved, '4', 'with pg_signal_backend the run ends her session and expires all');
like($stderr, qr/Ended the session of manager login anna/, 'and says so');
ok($node->poll_query_until('postgres',
	q{SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE usename = 'anna')}), 'her session is gone');
eval { $anna->{run}->kill_kill; };

# 3. A prepared transaction holds all four overdue clients: it has no
# session to end; it is waited for once, not once per client, and named.
department();
$node->safe_psql('postgres', q{
	BEGIN;
	SELECT id FROM salesalgo.client FOR UPDATE;
	PREPARE TRANSACTION 'held_by_2pc';
});
$started = time;
($moved, $stderr) = expire_as('head');
$took = time - $started;
is($moved, '0', 'the prepared transaction\'s clients stay');
cmp_ok($took, '<', 5.5, 'it was waited for once (3 s), not once per client (12 s)');
like($stderr, qr/Prepared transaction "held_by_2pc" \(transaction \d+\) held client 1 past the grace and was waited for/,
	'the run names it');
unlike($stderr, qr/held client 2/, 'once');
is(last_run(), '0 4 4 0', 'expire_runs: moved none, skipped 4, all past the grace');
$node->safe_psql('postgres', q{ROLLBACK PREPARED 'held_by_2pc'});
($moved, $stderr) = expire_as('head');
is($moved, '4', 'rolled back, the next run expires them');

$node->stop;
done_testing();
