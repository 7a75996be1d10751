# The funnel's sets and the stays that 1.2's triggers keep (issue 17), for
# a database that had a history before them: ALTER EXTENSION UPDATE from
# 1.0 and from 1.1 fills them from the history (moves on the simulated
# clock, a deletion, an id created again, a TRUNCATE), after which the
# views equal the straightforward ones over the whole history and check()
# is empty, before and after more moves; pg_dump and pg_restore carry them
# as they are, and the restored department goes on keeping them.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('funnel_kept');
$node->init;
$node->start;

# a department's first weeks, through the rules of any version
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
# and after the update, the same kinds of change again
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

# what the triggers keep, row by row
sub kept
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT string_agg(format('%s %s %s', id, state, funnel_steps), ', ' ORDER BY id)
		FROM salesalgo.client})
	  . "\n"
	  . $node->safe_psql($db, q{
		SELECT string_agg(format('%s %s %s', id, funnel_steps, stay), ', ' ORDER BY id)
		FROM salesalgo.client_history WHERE funnel_steps IS NOT NULL OR stay IS NOT NULL});
}

for my $from ('1.0', '1.1')
{
	my $db = 'up_' . ($from =~ tr/./_/r);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION salesalgo VERSION '$from'");
	$node->safe_psql($db, $history);
	$node->safe_psql($db, 'ALTER EXTENSION salesalgo UPDATE');
	$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', 'test/report_reference.sql',
		'-d', $node->connstr($db) ], "the reference views load ($from)");

	is($node->safe_psql($db, q{
		SELECT count(*) FILTER (WHERE funnel_steps IS NULL), count(*) FROM salesalgo.client}),
		'0|6', "every client has its set after the update from $from");
	is($node->safe_psql($db, q{
		SELECT count(*) FILTER (WHERE stay IS NOT NULL),
		       count(*) FILTER (WHERE from_state IS NOT NULL AND from_state IS DISTINCT FROM to_state),
		       count(*) FILTER (WHERE funnel_steps IS NOT NULL),
		       count(*) FILTER (WHERE to_state IS NULL)
		FROM salesalgo.client_history}),
		'12|12|1|1', "every change of state has its stay and the deletion its set ($from)");
	is($node->safe_psql($db, q{SELECT funnel_steps FROM salesalgo.client WHERE id = 6}),
		'6', "an id created again has its new life's set ($from)");
	is(differences($db), '0', "funnel and stage_time equal the history's after the update from $from");
	is($node->safe_psql($db, 'SELECT count(*) FROM salesalgo.check()'), '0',
		"check() is empty after the update from $from");

	$node->safe_psql($db, $more);
	is(differences($db), '0', "and after more moves ($from)");
	is($node->safe_psql($db, 'SELECT count(*) FROM salesalgo.check()'), '0',
		"check() is empty after more moves ($from)");
	is($node->safe_psql($db, q{SELECT reached FROM salesalgo.funnel WHERE state::text = 'client'}),
		'1', "the funnel counts what happened after the update ($from)");
}

# a dump carries the kept values as they are
my $dir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok(
	[ 'pg_dump', '--format', 'custom', '--file', "$dir/up.dump", '--dbname', $node->connstr('up_1_1') ],
	'pg_dump of the updated database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($stdout, $stderr);
ok(IPC::Run::run([ 'pg_restore', '--exit-on-error', '--dbname', $node->connstr('restored'), "$dir/up.dump" ],
		'>', \$stdout, '2>', \$stderr), 'pg_restore');
is($stderr, '', 'with nothing said on stderr');
is(kept('restored'), kept('up_1_1'), 'the sets and stays come back as they were');
is(differences('restored'), '0', 'funnel and stage_time of the restored database equal its history');
is($node->safe_psql('restored', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() is empty after the restore');
$node->safe_psql('restored', q{
	SET salesalgo.now = '2026-03-12 09:00+00';
	UPDATE salesalgo.client SET state = 'deal_support' WHERE id = 2;
	DELETE FROM salesalgo.client WHERE id = 7;
});
is($node->safe_psql('restored', q{
	SET TIME ZONE 'UTC';
	SELECT string_agg(format('%s %s %s', client_id, funnel_steps, stay), ', ' ORDER BY id)
	FROM salesalgo.client_history WHERE changed_at = '2026-03-12 09:00+00'}),
	'2  1 day 21:00:00, 7 2 2 days 21:00:00',
	'the restored department goes on keeping them, from the restored state_since');
is(differences('restored'), '0', 'and the views still equal the history');
is($node->safe_psql('restored', 'SELECT count(*) FROM salesalgo.check()'), '0', 'and check() is empty');

$node->stop;
done_testing();
