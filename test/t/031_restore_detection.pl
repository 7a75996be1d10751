# Only a session that loads a dump skips the rules (issue 11, item 7): a
# superuser session with row_security = off alone, from an ALTER ROLE ...
# SET or by hand, gets every rule, and so does a non-superuser session
# calling a superuser's SECURITY DEFINER function.  A session that makes
# pg_dump's four settings together is a restore, whatever search path
# salesalgo's own functions set while they run.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restore_detection');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	CREATE ROLE dba SUPERUSER LOGIN;
	ALTER ROLE dba SET row_security = off;
	CREATE ROLE mallory LOGIN;
	INSERT INTO salesalgo.manager (name, worklist_cap) VALUES ('Anna', 1);
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('kept', 'medium', 1);
	CREATE FUNCTION public.add_client(state text) RETURNS void
	    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
	    INSERT INTO salesalgo.client (name, size, state, manager_id)
	    VALUES ('definer', 'medium', state::salesalgo.client_state, 1)
	$$;
});

# The answer of a script's last statement.
sub last_line
{
	my ($output) = @_;
	return (split /\n/, $output)[-1];
}

my $history = 'SELECT count(*) FROM salesalgo.client_history';
my $clients = 'SELECT count(*) FROM salesalgo.client';
my ($history_before, $clients_before) =
  map { $node->safe_psql('postgres', $_) } ($history, $clients);

# Invalid clients, each breaking a rule: a state no client is created in, a
# full worklist (the cap is 1), a nonprofile client in a worklist.
my @invalid = (
	[ q{INSERT INTO salesalgo.client (name, size, state) VALUES ('deal at once', 'medium', 'deal')},
		qr/cannot be created in state deal/ ],
	[ q{INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('one too many', 'medium', 1)},
		qr/worklist of manager 1 is full/ ],
	[ q{INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('nonprofile', 'nonprofile', 1)},
		qr/is nonprofile and cannot enter a worklist/ ],
	[ q{INSERT INTO salesalgo.client_history (client_id, changed_at, changed_by, source) VALUES (1, now(), 'me', 'sql')},
		qr/only salesalgo writes salesalgo.client_history/ ],
	[ q{UPDATE salesalgo.manager SET in_work = 0},
		qr/column "in_work" of salesalgo.manager is kept by salesalgo/ ],
);

for my $case (@invalid)
{
	my ($sql, $error) = @$case;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET row_security = off; $sql", extra_params => [ '-U', 'postgres' ]);
	like($stderr, $error, "a superuser with row_security = off gets the rules: $sql");
	($ret, $stdout, $stderr) = $node->psql('postgres', $sql,
		extra_params => [ '-U', 'dba' ]);
	like($stderr, $error, "so does one with ALTER ROLE ... SET row_security = off: $sql");
}

# Any three of pg_dump's four settings are not a restore.
my %dump_settings = (
	check_function_bodies => q{SET check_function_bodies = false;},
	client_min_messages => q{SET client_min_messages = warning;},
	row_security => q{SET row_security = off;},
	search_path => q{SELECT pg_catalog.set_config('search_path', '', false);},
);
for my $missing (sort keys %dump_settings)
{
	my $settings = join("\n",
		map { $dump_settings{$_} } grep { $_ ne $missing } sort keys %dump_settings);
	my ($ret, $stdout, $stderr) = $node->psql('postgres', qq{
		$settings
		SELECT salesalgo.restoring_dump();
		INSERT INTO salesalgo.client (name, size, state) VALUES ('deal at once', 'medium', 'deal');
	});
	is(last_line($stdout), 'f', "without $missing, a session is not a restore");
	like($stderr, qr/cannot be created in state deal/, "and gets the rules (without $missing)");
}

# The session user counts: mallory, with row_security = off, through a
# superuser's SECURITY DEFINER function.
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	SET row_security = off;
	SELECT pg_catalog.set_config('search_path', '', false);
	SELECT public.add_client('client');
}, extra_params => [ '-U', 'mallory' ]);
like($stderr, qr/cannot be created in state client/,
	"a superuser's SECURITY DEFINER function called by another role gets the rules");

is($node->safe_psql('postgres', $history), $history_before, 'no history row was added');
is($node->safe_psql('postgres', $clients), $clients_before, 'no client was added');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo."check"()'), '0',
	'check() finds no violation');

# All four together, as pg_dump writes them, in a superuser session: a
# restore, also inside one transaction and under a function's search path.
is(last_line($node->safe_psql('postgres', q{
	SET statement_timeout = 0;
	SELECT pg_catalog.set_config('search_path', '', false);
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	SET row_security = off;
	SELECT salesalgo.restoring_dump();
})), 't', "pg_dump's settings make a restore");
is(last_line($node->safe_psql('postgres', q{
	BEGIN;
	SELECT pg_catalog.set_config('search_path', '', false);
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	SET row_security = off;
	SELECT salesalgo.restoring_dump();
	COMMIT;
})), 't', 'also when set inside the transaction (psql --single-transaction)');
is(last_line($node->safe_psql('postgres', q{
	SELECT pg_catalog.set_config('search_path', '', false);
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	SET row_security = off;
	INSERT INTO salesalgo.client (id, name, size, state, state_since)
	VALUES (100, 'restored', 'medium', 'deal', '2026-01-01');
	SELECT state FROM salesalgo.client WHERE id = 100;
})), 'deal', 'a restored client is loaded as it was');

$node->stop;
done_testing();
