# salesalgo's own writes (a client's history rows, a manager's in_work) run
# as the user who made the change: a DBA's triggers on client_history and
# manager see the real actor as current_user, a manager cannot make them run
# anything as a superuser (issue 16, item 2), a role with no privilege on
# those tables still gets its history and counts written, whatever row-level
# security says, and nothing a DBA's trigger does after salesalgo's write
# passes the guards as salesalgo's own.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('internal_writes');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	CREATE ROLE anna LOGIN;
	CREATE ROLE boris LOGIN;
	CREATE ROLE head LOGIN;
	CREATE ROLE crm_app LOGIN;
	INSERT INTO salesalgo.manager (name, login, worklist_cap)
	VALUES ('Anna', 'anna', 10), ('Boris', 'boris', 10);
	SELECT salesalgo.grant_access('anna', 'manager');
	SELECT salesalgo.grant_access('boris', 'manager');
	SELECT salesalgo.grant_access('head', 'head');
	INSERT INTO salesalgo.client (name, size, manager_id)
	SELECT 'anna ' || i, 'medium', 1 FROM generate_series(1, 3) AS i;
	INSERT INTO salesalgo.client (name, size, manager_id)
	SELECT 'boris ' || i, 'medium', 2 FROM generate_series(1, 3) AS i;

	-- the DBA's queue of new history rows, for another system to read
	CREATE TABLE public.history_queue (history_id bigint, client_id bigint, queued_by name);
	GRANT INSERT ON public.history_queue TO PUBLIC;
	CREATE FUNCTION public.queue_history() RETURNS trigger
	    LANGUAGE plpgsql SET search_path = public AS $$
	BEGIN
	    INSERT INTO history_queue SELECT id, client_id, current_user FROM new_rows;
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER queue_history AFTER INSERT ON salesalgo.client_history
	    REFERENCING NEW TABLE AS new_rows
	    FOR EACH STATEMENT EXECUTE FUNCTION public.queue_history();

	-- the DBA's audit of manager rows
	CREATE TABLE public.manager_audit (manager_id bigint, in_work integer, by_user name);
	GRANT INSERT ON public.manager_audit TO PUBLIC;
	CREATE FUNCTION public.audit_manager() RETURNS trigger
	    LANGUAGE plpgsql SET search_path = public AS $$
	BEGIN
	    INSERT INTO manager_audit VALUES (NEW.id, NEW.in_work, current_user);
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER audit_manager AFTER UPDATE ON salesalgo.manager
	    FOR EACH ROW EXECUTE FUNCTION public.audit_manager();
});

sub client_id
{
	my ($name) = @_;
	return $node->safe_psql('postgres',
		"SELECT id FROM salesalgo.client WHERE name = '$name'");
}

# Anna's trap: a temporary history_queue, found first by the DBA's trigger
# (pg_temp comes before public), with a trigger of her own on it.
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	CREATE TEMP TABLE history_queue (history_id bigint, client_id bigint, queued_by name);
	CREATE FUNCTION pg_temp.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    RAISE NOTICE 'running as %', current_user;
	    EXECUTE 'ALTER ROLE anna SUPERUSER';
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER escalate AFTER INSERT ON history_queue
	    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.escalate();
	UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'anna 1';
}, extra_params => [ '-U', 'anna' ]);
like($stderr, qr/NOTICE:  running as anna\b/,
	"the DBA's trigger on client_history runs as the manager who moved the client");
unlike($stderr, qr/running as postgres/, 'it does not run as the superuser');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'anna'"),
	'f', 'anna stays a plain login');
like($stderr, qr/ERROR:  (permission denied|must be superuser)/,
	"her own trigger fails with anna's rights, and takes her move with it");
is($node->safe_psql('postgres',
		"SELECT state FROM salesalgo.client WHERE name = 'anna 1'"),
	'new', 'the move that failed changed nothing');

# Without the trap, the same move by anna is queued as hers.
$node->safe_psql('postgres',
	"UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'anna 2'",
	extra_params => [ '-U', 'anna' ]);
my $anna2 = client_id('anna 2');
is($node->safe_psql('postgres',
		"SELECT queued_by FROM public.history_queue WHERE client_id = $anna2"),
	'anna', "the DBA's queue records anna for anna's move");

# Boris's move, out of his worklist: the queue and the audit record boris.
$node->safe_psql('postgres', q{
	UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'boris 1';
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE name = 'boris 1';
}, extra_params => [ '-U', 'boris' ]);
my $boris1 = client_id('boris 1');
is($node->safe_psql('postgres', qq{
		SELECT string_agg(DISTINCT queued_by, ',') || ' ' || count(*)
		FROM public.history_queue WHERE client_id = $boris1}),
	'boris 2', "the DBA's queue records boris for each of boris's moves");
is($node->safe_psql('postgres', qq{
		SELECT h.changed_by FROM salesalgo.client_history AS h
		JOIN public.history_queue AS q ON q.history_id = h.id
		WHERE h.client_id = $boris1 ORDER BY h.id DESC LIMIT 1}),
	'boris', 'the transition table holds the history rows as written');
is($node->safe_psql('postgres',
		'SELECT manager_id, in_work, by_user FROM public.manager_audit'),
	'2|2|boris', "the DBA's audit trigger on manager records boris and the new count");

# A head's move of several clients at once: one statement, every row queued.
$node->safe_psql('postgres', q{
	UPDATE salesalgo.client SET state = 'contact_1'
	WHERE name IN ('anna 3', 'boris 2', 'boris 3');
}, extra_params => [ '-U', 'head' ]);
is($node->safe_psql('postgres', q{
		SELECT count(*) FROM public.history_queue WHERE queued_by = 'head'}),
	'3', 'a statement trigger sees all the rows of a multi-row move');

# An application role with no privilege on client_history or manager, under
# restrictive policies that would refuse any write of its own there.
$node->safe_psql('postgres', q{
	GRANT SELECT, INSERT, UPDATE, DELETE ON salesalgo.client TO crm_app;
	GRANT USAGE ON SEQUENCE salesalgo.client_id_seq TO crm_app;
	CREATE POLICY dba_no_insert ON salesalgo.client_history AS RESTRICTIVE
	    FOR INSERT WITH CHECK (false);
	CREATE POLICY dba_no_update ON salesalgo.manager AS RESTRICTIVE
	    FOR UPDATE USING (false);
});
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	INSERT INTO salesalgo.client (name, size, manager_id) VALUES ('crm 1', 'medium', 1);
	UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'crm 1';
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE name = 'crm 1';
	DELETE FROM salesalgo.client WHERE name = 'crm 1';
}, extra_params => [ '-U', 'crm_app', '-v', 'ON_ERROR_STOP=1' ]);
is($ret, 0, 'a role with no privilege on history or managers moves a client');
is($stderr, '', 'with no error or warning');
is($node->safe_psql('postgres', q{
		SELECT string_agg(coalesce(to_state::text, 'deleted') || ' by ' || changed_by, ', ' ORDER BY id)
		FROM salesalgo.client_history WHERE client_id = (SELECT max(client_id) FROM salesalgo.client_history)}),
	'new by crm_app, contact_1 by crm_app, strategic_reserve by crm_app, deleted by crm_app',
	'its history is written in full, as crm_app');
is($node->safe_psql('postgres', q{
		SELECT by_user FROM public.manager_audit WHERE by_user = 'crm_app' LIMIT 1}),
	'crm_app', 'its worklist counts are written, as crm_app');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo."check"()'),
	'0', 'check() finds every count and history row right');

# A DBA's audit trigger with an exception block that catches an error (a
# subtransaction aborted inside salesalgo's write) leaves salesalgo working.
$node->safe_psql('postgres', q{
	CREATE FUNCTION public.careful_audit() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    BEGIN
	        PERFORM 1 / 0;
	    EXCEPTION WHEN others THEN
	        NULL;
	    END;
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER careful_audit AFTER UPDATE ON salesalgo.manager
	    FOR EACH ROW EXECUTE FUNCTION public.careful_audit();
});
$node->safe_psql('postgres', q{
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE name = 'boris 2';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'boris 2';
}, extra_params => [ '-U', 'boris' ]);
my $boris2 = client_id('boris 2');
is($node->safe_psql('postgres', qq{
		SELECT string_agg(to_state::text || ' by ' || changed_by, ', ' ORDER BY id)
		FROM salesalgo.client_history WHERE client_id = $boris2 AND id > (
		    SELECT max(id) FROM salesalgo.client_history
		    WHERE client_id = $boris2 AND to_state::text = 'contact_1' AND changed_by = 'head')}),
	'strategic_reserve by boris, contact_1 by boris',
	"after a DBA's trigger caught an error, every later move is recorded");
$node->safe_psql('postgres', 'DROP TRIGGER careful_audit ON salesalgo.manager');

# What a DBA's trigger does after salesalgo's write is not salesalgo's write.
$node->safe_psql('postgres', q{
	CREATE FUNCTION public.forge_history() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    IF current_setting('regress.forge', true) = 'on' AND NEW.source <> 'forged' THEN
	        INSERT INTO salesalgo.client_history (client_id, to_state, changed_at, changed_by, source)
	        VALUES (NEW.client_id, 'client', now(), 'nobody', 'forged');
	    END IF;
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER forge_history AFTER INSERT ON salesalgo.client_history
	    FOR EACH ROW EXECUTE FUNCTION public.forge_history();
	CREATE FUNCTION public.forge_count() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    IF current_setting('regress.forge', true) = 'on' AND NEW.in_work <> 0 THEN
	        UPDATE salesalgo.manager SET in_work = 0 WHERE id = NEW.id;
	    END IF;
	    RETURN NULL;
	END
	$$;
	CREATE TRIGGER forge_count AFTER UPDATE ON salesalgo.manager
	    FOR EACH ROW EXECUTE FUNCTION public.forge_count();
});
my $before = $node->safe_psql('postgres',
	'SELECT count(*) FROM salesalgo.client_history');
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET regress.forge = 'on';
	UPDATE salesalgo.client SET state = 'contact_2' WHERE name = 'anna 2';
});
like($stderr, qr/ERROR:  only salesalgo writes salesalgo.client_history/,
	"a DBA's AFTER ROW trigger on client_history cannot write history");
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET regress.forge = 'on';
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE name = 'anna 2';
});
like($stderr, qr/ERROR:  (only salesalgo writes salesalgo.client_history|column "in_work" of salesalgo.manager is kept by salesalgo)/,
	"a DBA's AFTER ROW trigger on manager cannot write in_work");
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.client_history'),
	$before, 'nothing was written');
$node->safe_psql('postgres', q{
	DROP TRIGGER forge_history ON salesalgo.client_history;
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE name = 'anna 2';
});
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET regress.forge = 'on';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE name = 'anna 2';
});
like($stderr, qr/ERROR:  column "in_work" of salesalgo.manager is kept by salesalgo/,
	"a DBA's AFTER ROW trigger on manager cannot write in_work");
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo."check"()'),
	'0', 'check() finds nothing wrong after the refused forgeries');

# A full worklist's message names the client that was to enter it, read as
# salesalgo reads what it keeps: a role that may insert clients but not
# read them gets the same message, and nothing is written.
$node->safe_psql('postgres', q{
	CREATE ROLE intake LOGIN;
	GRANT USAGE ON SCHEMA salesalgo TO intake;
	GRANT INSERT ON salesalgo.client TO intake;
	GRANT USAGE ON SEQUENCE salesalgo.client_id_seq TO intake;
	UPDATE salesalgo.manager SET worklist_cap = in_work + 1 WHERE id = 2;
});
my $counts_before = $node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM salesalgo.client) || ' ' ||
	       (SELECT count(*) FROM salesalgo.client_history) || ' ' ||
	       (SELECT in_work FROM salesalgo.manager WHERE id = 2)});
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET ROLE intake;
	INSERT INTO salesalgo.client (name, size, manager_id)
	VALUES ('walk-in 1', 'medium', 2), ('walk-in 2', 'medium', 2);
}, extra_params => ['-v', 'VERBOSITY=verbose']);
like($stderr, qr/ERROR:  23514: worklist of manager 2 is full: client \d+ cannot enter it\nDETAIL:  .*client \d+ "walk-in 2" the last of them/,
	'a role that cannot read clients is told which client a full worklist refused, by name');
is($node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM salesalgo.client) || ' ' ||
	       (SELECT count(*) FROM salesalgo.client_history) || ' ' ||
	       (SELECT in_work FROM salesalgo.manager WHERE id = 2)}),
	$counts_before, 'and the refused statement changed nothing');

$node->stop;
done_testing();
