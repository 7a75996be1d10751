# A dump taken at 1.1 restored into 1.2 (review D2): CREATE EXTENSION makes
# the kept columns and the restore fills the tables without them, so the
# funnel and stage_time are empty and check() says so, until a superuser
# runs salesalgo.rebuild_kept() once, as ALTER EXTENSION UPDATE does; after
# it the views equal the history's and the triggers go on keeping them.  A
# head of sales may not run it.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restore_kept');
$node->init;
$node->start;

my $history = q{
	SET TIME ZONE 'UTC';
	INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (1, 'Anna', 10), (2, 'Boris', 10);
	SET salesalgo.now = '2026-03-02 09:00+00';
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
	    (1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2),
	    (4, 'c4', 'small', 2), (5, 'c5', 'medium', 2), (6, 'c6', 'small', 1);
	SET salesalgo.now = '2026-03-03 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (1, 2, 3);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 4;
	SET salesalgo.now = '2026-03-04 10:30+00';
	UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (1, 3);
	UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 2;
	DELETE FROM salesalgo.client WHERE id = 6;
	SET salesalgo.now = '2026-03-05 09:00+00';
	UPDATE salesalgo.client SET state = 'deal' WHERE id = 1;
	UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2;
	UPDATE salesalgo.client SET manager_id = 1 WHERE id = 3;
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (6, 'c6 again', 'small', 2);
	SET salesalgo.now = '2026-03-06 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 6;
	UPDATE salesalgo.client SET state = 'recall' WHERE id = 4;
};
my $more = q{
	SET TIME ZONE 'UTC';
	SET salesalgo.now = '2026-03-09 12:00+00';
	UPDATE salesalgo.client SET state = 'deal_support' WHERE id = 1;
	UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (2, 6);
	DELETE FROM salesalgo.client WHERE id = 3;
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (7, 'c7', 'small', 2);
	SET salesalgo.now = '2026-03-10 12:00+00';
	UPDATE salesalgo.client SET state = 'client' WHERE id = 1;
	UPDATE salesalgo.client SET state = 'deal' WHERE id = 2;
};

sub differences
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT (SELECT count(*) FROM (
		            (TABLE salesalgo.funnel EXCEPT ALL TABLE reference.funnel)
		            UNION ALL (TABLE reference.funnel EXCEPT ALL TABLE salesalgo.funnel)) AS f)
		     + (SELECT count(*) FROM (
		            (TABLE salesalgo.stage_time EXCEPT ALL TABLE reference.stage_time)
		            UNION ALL (TABLE reference.stage_time EXCEPT ALL TABLE salesalgo.stage_time)) AS s)});
}

sub kept
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT string_agg(format('%s %s', id, funnel_steps), ', ' ORDER BY id) FROM salesalgo.client})
	  . "\n"
	  . $node->safe_psql($db, q{
		SELECT string_agg(format('%s %s %s', id, funnel_steps, stay), ', ' ORDER BY id)
		FROM salesalgo.client_history WHERE funnel_steps IS NOT NULL OR stay IS NOT NULL});
}

# the same department updated in place: what the restored one must come to
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('updated', "CREATE EXTENSION salesalgo VERSION '1.1'");
$node->safe_psql('updated', $history);
$node->safe_psql('updated', 'ALTER EXTENSION salesalgo UPDATE');

$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION salesalgo VERSION '1.1'");
$node->safe_psql('old', $history);
my $dir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok(
	[ 'pg_dump', '--format', 'custom', '--file', "$dir/old.dump", '--dbname', $node->connstr('old') ],
	'pg_dump of the 1.1 database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($stdout, $stderr);
ok(IPC::Run::run([ 'pg_restore', '--exit-on-error', '--dbname', $node->connstr('restored'), "$dir/old.dump" ],
		'>', \$stdout, '2>', \$stderr), 'pg_restore of the 1.1 dump into 1.2');
is($stderr, '', 'with nothing said on stderr');
is($node->safe_psql('restored', q{SELECT extversion FROM pg_extension WHERE extname = 'salesalgo'}),
	'1.2', 'the restored database is at 1.2');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', 'test/report_reference.sql',
	'-d', $node->connstr('restored') ], 'the reference views load');

# what the review saw: nothing kept, and check() says so
is($node->safe_psql('restored', 'SELECT sum(reached) FROM salesalgo.funnel'), '0',
	'the restored funnel is empty before the rebuild');
isnt(differences('restored'), '0', 'and differs from the history');
is($node->safe_psql('restored', q{
	SELECT string_agg(DISTINCT invariant, ' ' ORDER BY invariant) FROM salesalgo.check()}),
	'funnel_steps history_stay', 'check() reports funnel_steps and history_stay');
like($node->safe_psql('restored', q{
	SELECT obj_description('salesalgo."check"()'::regprocedure, 'pg_proc')}),
	qr/rebuild_kept\(\)/, "check()'s comment points to rebuild_kept()");

# a head of sales may not rebuild them
$node->safe_psql('restored', q{
	CREATE ROLE head LOGIN;
	SELECT salesalgo.grant_access('head', 'head');
});
my $before = kept('restored');
my ($ret, $out, $err) = $node->psql('restored', q{
	\set VERBOSITY verbose
	SELECT salesalgo.rebuild_kept();
}, extra_params => [ '-U', 'head' ]);
isnt($ret, 0, 'a head of sales cannot run rebuild_kept()');
like($err, qr/42501/, 'refused with 42501');
is(kept('restored'), $before, 'and nothing changed');

# the superuser's rebuild
$node->safe_psql('restored', 'SELECT salesalgo.rebuild_kept()');
is(kept('restored'), kept('updated'), 'the rebuild keeps what ALTER EXTENSION UPDATE keeps');
is(differences('restored'), '0', 'funnel and stage_time equal the history after the rebuild');
is($node->safe_psql('restored', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() is empty after the rebuild');
is($node->safe_psql('restored', 'SHOW session_replication_role'), 'origin',
	'the rebuild leaves session_replication_role as it was');

$node->safe_psql('restored', $more);
$node->safe_psql('updated', $more);
is(differences('restored'), '0', 'and after more moves');
is($node->safe_psql('restored', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() is empty after more moves');
is($node->safe_psql('restored', q{SELECT count(*) FROM salesalgo.client WHERE funnel_steps IS NULL}),
	'0', 'no client left with an unknown set');
is(kept('restored'), kept('updated'), 'the restored department keeps what the updated one keeps');

# run again, it changes nothing
$node->safe_psql('restored', 'SELECT salesalgo.rebuild_kept()');
is(kept('restored'), kept('updated'), 'a second rebuild changes nothing');

$node->stop;
done_testing();
