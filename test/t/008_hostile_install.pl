# A non-superuser who plants objects before CREATE EXTENSION gets none of
# them called: not by the install or the update from 1.0, not by the
# triggers, the functions or the views, even in a superuser session that
# puts public ahead of pg_catalog.  A schema named salesalgo made by
# someone else stops the install.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init;
$node->start;

# Every function name salesalgo's SQL calls, from its scripts and its C.
my %names;
for my $file (glob('sql/salesalgo--*.sql'), glob('src/*.c'))
{
	my $text = slurp_file($file);
	$names{ lc $1 } = 1 while $text =~ /\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
}
my $name_list = join(',', map { "'$_'" } sort keys %names);

$node->safe_psql('postgres', q{
	CREATE ROLE mallory LOGIN;
	CREATE DATABASE sales;
	CREATE DATABASE sales_1_0;
});

# Mallory's trap: in public, a logging copy of every pg_catalog function
# with one of those names, with the same argument types or with text and
# bigint where the original takes "any" or a polymorphic type (a better
# match for a call that relies on a cast); a logging copy of every
# pg_catalog operator; two aggregates.  Each records its call, then does
# what the original does, so that nothing fails visibly.
my $plant = qq{
	SET ROLE mallory;
	-- her own code must not walk into her traps
	SET search_path = pg_catalog;
	CREATE TABLE public.hostile_calls (what text, by_user name DEFAULT current_user);
	GRANT INSERT ON public.hostile_calls TO PUBLIC;
	DO \$plant\$
	DECLARE
		f record;
		args text;
		call text;
		n int := 0;
	BEGIN
		FOR f IN
			SELECT p.proname, p.oid, p.pronargs,
			       pg_catalog.format_type(p.prorettype, NULL) AS rettype,
			       ARRAY(SELECT pg_catalog.format_type(t, NULL)
			             FROM unnest(p.proargtypes) AS t) AS argtypes,
			       EXISTS (SELECT FROM unnest(p.proargtypes) AS t
			               JOIN pg_type y ON y.oid = t WHERE y.typtype = 'p') AS pseudo
			FROM pg_proc p
			WHERE p.pronamespace = 'pg_catalog'::regnamespace
			  AND p.prokind = 'f' AND NOT p.proretset
			  AND p.proname IN ($name_list)
			  AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'p'
		LOOP
			IF NOT f.pseudo THEN
				args := array_to_string(f.argtypes, ', ');
				call := (SELECT string_agg('\$' || i, ', ') FROM generate_series(1, f.pronargs) i);
				BEGIN
					EXECUTE format(
						'CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE sql AS %L',
						f.proname, args, f.rettype,
						format('INSERT INTO public.hostile_calls (what) VALUES (%L); SELECT pg_catalog.%I(%s)',
						       f.proname || '(' || args || ')', f.proname, coalesce(call, '')));
					n := n + 1;
				EXCEPTION WHEN OTHERS THEN
					NULL;	-- not every function can be called from SQL
				END;
			END IF;
		END LOOP;
		-- better matches for "any" and polymorphic arguments
		FOR f IN SELECT DISTINCT p.proname, a.args
			FROM pg_proc p,
			     (VALUES ('text'), ('bigint'), ('text, text'), ('text, bigint'),
			             ('text, integer'), ('text, text, text'), ('bigint[]'),
			             ('text, timestamp with time zone')) AS a(args)
			WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
			  AND p.proname IN ($name_list)
			  AND EXISTS (SELECT FROM unnest(p.proargtypes) AS t
			              JOIN pg_type y ON y.oid = t WHERE y.typtype = 'p')
		LOOP
			BEGIN
				EXECUTE format(
					'CREATE FUNCTION public.%I(%s) RETURNS text LANGUAGE sql AS %L',
					f.proname, f.args,
					format('INSERT INTO public.hostile_calls (what) VALUES (%L); SELECT NULL::text',
					       f.proname || '(' || f.args || ')'));
				n := n + 1;
			EXCEPTION WHEN duplicate_function THEN
				NULL;
			END;
		END LOOP;
		FOR f IN
			SELECT o.oprname, o.oprcode::text AS code,
			       pg_catalog.format_type(o.oprleft, NULL) AS l,
			       pg_catalog.format_type(o.oprright, NULL) AS r,
			       pg_catalog.format_type(o.oprresult, NULL) AS res, o.oid
			FROM pg_operator o
			WHERE o.oprnamespace = 'pg_catalog'::regnamespace
			  AND o.oprleft <> 0 AND o.oprright <> 0
			  AND NOT EXISTS (SELECT FROM pg_type y
			                  WHERE y.oid IN (o.oprleft, o.oprright, o.oprresult)
			                    AND y.typtype = 'p')
		LOOP
			BEGIN
				EXECUTE format(
					'CREATE FUNCTION public.hostile_op_%s(%s, %s) RETURNS %s LANGUAGE sql AS %L',
					f.oid, f.l, f.r, f.res,
					format('INSERT INTO public.hostile_calls (what) VALUES (%L); SELECT pg_catalog.%s(\$1, \$2)',
					       'operator ' || f.oprname || '(' || f.l || ', ' || f.r || ')', f.code));
				EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.hostile_op_%s)',
					f.oprname, f.l, f.r, f.oid);
				n := n + 1;
			EXCEPTION WHEN OTHERS THEN
				NULL;
			END;
		END LOOP;
		RAISE NOTICE 'planted % objects', n;
	END
	\$plant\$;
	CREATE FUNCTION public.hostile_step(bigint, bigint) RETURNS bigint LANGUAGE sql AS
		\$\$INSERT INTO public.hostile_calls (what) VALUES ('aggregate'); SELECT coalesce(\$1, 0) + 1\$\$;
	CREATE AGGREGATE public.count(bigint) (SFUNC = public.hostile_step, STYPE = bigint);
	CREATE AGGREGATE public.sum(bigint) (SFUNC = public.hostile_step, STYPE = bigint);
	RESET ROLE;
};

# What a department does, in a superuser session whose search_path puts
# Mallory's schema first.  Its own comparisons name pg_catalog's operators,
# so that whatever reaches her objects is salesalgo's doing.
my $work = q{
	SET search_path = public, pg_catalog, salesalgo;
	SET salesalgo.now = '2026-05-04 09:00+03';
	INSERT INTO salesalgo.category (id, name) VALUES (1, 'trade');
	INSERT INTO salesalgo.manager (id, name, login, worklist_cap) VALUES
		(1, 'Anna', 'anna', 4), (2, 'Boris', NULL, NULL);
	INSERT INTO salesalgo.client (id, name, size, manager_id, category_id) VALUES
		(1, 'c1', 'small', 1, 1), (2, 'c2', 'medium', 1, 1), (3, 'c3', 'large', 1, NULL),
		(4, 'c4', 'small', 2, 1), (5, 'c5', 'medium', 2, NULL), (6, 'c6', 'large', 2, 1),
		(7, 'c7', 'small', NULL, 1), (8, 'c8', 'medium', NULL, NULL),
		(9, 'c9', 'large', NULL, 1), (10, 'c10', 'nonprofile', NULL, NULL);
	UPDATE salesalgo.client SET state = 'contact_1' WHERE manager_id OPERATOR(pg_catalog.=) 1;
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis'
		WHERE id OPERATOR(pg_catalog.=) 4;
	UPDATE salesalgo.client SET manager_id = 1 WHERE id OPERATOR(pg_catalog.=) 5;
	UPDATE salesalgo.client SET manager_id = NULL WHERE id OPERATOR(pg_catalog.=) 6;
	SELECT salesalgo.extend_deadline(1, '2026-07-01 09:00+03', 'tender');
	SELECT salesalgo.distribute_leads();
	SELECT salesalgo.sales_expire('2026-06-01 09:00+03');
	DELETE FROM salesalgo.client WHERE id OPERATOR(pg_catalog.=) 10;
	SELECT * FROM salesalgo.pipeline;
	SELECT * FROM salesalgo.worklist;
	SELECT * FROM salesalgo.overdue;
	SELECT * FROM salesalgo.funnel;
	SELECT * FROM salesalgo.stage_time;
	SELECT * FROM salesalgo.trial_report('2026-01-01', '2027-01-01');
	SELECT * FROM salesalgo.check();
	SELECT salesalgo.label('contact_1'::salesalgo.client_state, 'ru');
	SELECT salesalgo.grant_access('mallory', 'bi');
	SELECT salesalgo.revoke_access('mallory');
	UPDATE salesalgo.deadline_rule SET days = 15
		WHERE size OPERATOR(salesalgo.=) 'small' AND category_id IS NULL;
	UPDATE salesalgo.client SET state = 'contact_2' WHERE id OPERATOR(pg_catalog.=) 1;
	COPY (SELECT id, state, manager_id FROM salesalgo.client ORDER BY id) TO STDOUT;
};

for my $db ('sales', 'sales_1_0')
{
	$node->safe_psql($db, 'GRANT CREATE ON SCHEMA public TO mallory');
	my ($ret, $out, $err) = $node->psql($db, $plant);
	is($ret, 0, "$db: Mallory planted her objects in public") or diag $err;
	like($err, qr/planted (\d{3,}) objects/, "$db: hundreds of them");
	note("$db: $1 objects planted") if $err =~ /planted (\d+) objects/;
}

$node->safe_psql('sales', 'SET search_path = public, pg_catalog; CREATE EXTENSION salesalgo');
$node->safe_psql('sales_1_0', q{
	SET search_path = public, pg_catalog;
	CREATE EXTENSION salesalgo VERSION '1.0';
	ALTER EXTENSION salesalgo UPDATE;
});

for my $db ('sales', 'sales_1_0')
{
	# and, now that the types exist, a logging copy of salesalgo's own
	# operators in public
	$node->safe_psql($db, q{
		SET ROLE mallory;
		SET search_path = pg_catalog;
		DO $$
		DECLARE
			o record;
		BEGIN
			FOR o IN SELECT oprname, oprcode::text AS code, oid,
			                format_type(oprleft, NULL) AS l, format_type(oprright, NULL) AS r
			         FROM pg_operator WHERE oprnamespace = 'salesalgo'::regnamespace
			LOOP
				EXECUTE format('CREATE FUNCTION public.hostile_op_%s(%s, %s) RETURNS boolean'
				               ' LANGUAGE sql AS %L', o.oid, o.l, o.r,
				               format('INSERT INTO public.hostile_calls (what) VALUES (%L); SELECT %s($1, $2)',
				                      'operator ' || o.oprname || ' on ' || o.l, o.code));
				EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s,'
				               ' FUNCTION = public.hostile_op_%s)', o.oprname, o.l, o.r, o.oid);
			END LOOP;
		END $$;
	});
	my ($ret, $out, $err) = $node->psql($db, $work);
	is($ret, 0, "$db: the department worked with public first on the search path")
	  or diag $err;
	like($out, qr/^1\tcontact_2\t1\n/m, "$db: the work was done");
	is($node->safe_psql($db, 'SELECT count(*) FROM salesalgo.check()'),
		'0', "$db: check() finds nothing wrong");
	is($node->safe_psql($db, q{SELECT string_agg(DISTINCT what, ', ') FROM public.hostile_calls}),
		'', "$db: none of Mallory's objects was called");
}
# The control: the traps do catch an unqualified call from such a session.
$node->safe_psql('sales', 'SET search_path = public, pg_catalog; SELECT now(), 1 + 1');
is($node->safe_psql('sales', q{SELECT string_agg(what, ', ' ORDER BY what) FROM public.hostile_calls}),
	'now(), operator +(integer, integer)', 'control: the traps catch what is not pinned');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}),
	'f', 'Mallory is no superuser');

# A cast cannot be planted between types Mallory does not own.
my ($ret, $out, $err) = $node->psql('sales',
	'SET ROLE mallory; CREATE CAST (text AS salesalgo.client_state) WITH INOUT');
like($err, qr/must be owner of type/, 'no cast into salesalgo\'s types for Mallory');

# A schema named salesalgo made by someone else stops the install, and
# leaves nothing behind.
$node->safe_psql('postgres', q{
	CREATE DATABASE trap;
	GRANT CREATE ON DATABASE trap TO mallory;
});
$node->safe_psql('trap', q{
	SET ROLE mallory;
	CREATE SCHEMA salesalgo;
	CREATE FUNCTION salesalgo.now() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()';
});
($ret, $out, $err) = $node->psql('trap', 'CREATE EXTENSION salesalgo');
isnt($ret, 0, 'a schema salesalgo of Mallory\'s stops CREATE EXTENSION');
like($err, qr/schema "salesalgo" was not made for this extension.*\n.*DETAIL:  It is owned by role mallory, and it already holds 1 objects\./,
	'the error says whose schema it is and what it holds');
is($node->safe_psql('trap', q{SELECT count(*) FROM pg_extension WHERE extname = 'salesalgo'}),
	'0', 'nothing was installed');

# Empty, but hers: still not salesalgo's.
$node->safe_psql('trap', 'DROP FUNCTION salesalgo.now()');
($ret, $out, $err) = $node->psql('trap', 'CREATE EXTENSION salesalgo');
like($err, qr/It is owned by role mallory\./, 'an empty schema of Mallory\'s stops it too');

# A superuser's schema in which everyone may create objects: no.
$node->safe_psql('trap', 'DROP SCHEMA salesalgo; CREATE SCHEMA salesalgo; GRANT CREATE ON SCHEMA salesalgo TO PUBLIC');
($ret, $out, $err) = $node->psql('trap', 'CREATE EXTENSION salesalgo');
like($err, qr/other roles may create objects in it/, 'nor a schema others may create in');

# A superuser's own empty schema is the DBA's choice, and a dropped
# extension can be installed again.
$node->safe_psql('trap', 'DROP SCHEMA salesalgo; CREATE SCHEMA salesalgo');
$node->safe_psql('trap', 'CREATE EXTENSION salesalgo; DROP EXTENSION salesalgo; CREATE EXTENSION salesalgo');
is($node->safe_psql('trap', q{SELECT extversion FROM pg_extension WHERE extname = 'salesalgo'}),
	'1.2', 'installed into the DBA\'s empty schema, and again after DROP EXTENSION');

$node->stop;
done_testing();
