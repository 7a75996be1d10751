# what_if() on real histories.  Identity: over a period in which the model
# did not change, replaying it under the model in force gives the actual
# numbers, every metric, every manager (the demo's 40 days; a generated
# department with reassignments, recalls, extensions, deletions and many
# expiries).  Its actual numbers are trial_report()'s.  On this generated
# history only (it does not hold in general: README), two single-knob
# sweeps: a lower default cap never refuses fewer entries, shorter
# deadlines never lose fewer deals to the deadline.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('what_if_replay');
$node->init;
$node->start;

# The demo's 40 days.
$node->safe_psql('postgres', 'CREATE DATABASE demo');
my ($stdout, $stderr);
ok( IPC::Run::run(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'seed=7', '-f', 'demo/demo.sql',
		  '-d', $node->connstr('demo') ],
		'>', \$stdout, '2>', \$stderr),
	'the demo runs') or diag($stderr);
my $demo_period = q{'2026-01-12 08:00+03', '2026-03-07 09:00+03'};
is($node->safe_psql('demo', "SELECT count(*) FROM salesalgo.model_changes($demo_period)"),
	'1', 'the demo keeps one model for its 40 days');
is($node->safe_psql('demo', qq{
	SELECT count(*) FILTER (WHERE actual <> what_if) || ' of ' || count(*)
	FROM salesalgo.what_if($demo_period, salesalgo.model_at('2026-01-12 08:00+03'))}),
	'0 of 90', 'demo: what_if under the model in force equals the actual numbers');
cmp_ok($node->safe_psql('demo', qq{
	SELECT actual FROM salesalgo.what_if($demo_period, '{}')
	WHERE manager_id IS NULL AND metric = 'expired'}), '>', 0, 'demo: with expiries');

# A generated department: short deadlines (set before the period) so that
# many clients expire, and the generator's reassignments, recalls,
# extensions and deletions.
$node->safe_psql('postgres', 'CREATE DATABASE dept');
$node->safe_psql('dept', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-01-01 00:00+00';
	UPDATE salesalgo.deadline_rule
	SET days = CASE WHEN size IS NULL THEN 6 WHEN size = 'small' THEN 3
	                WHEN size = 'medium' THEN 5 ELSE 7 END;
});
$node->safe_psql('dept', "\\i bench/department.sql\nCALL department.generate(5, 36);");
my $period = q{'2026-01-10 00:00+00', '2026-02-08 00:00+00'};
is($node->safe_psql('dept', q{
	SELECT string_agg(source, ' ' ORDER BY source)
	FROM (SELECT DISTINCT source FROM salesalgo.client_history
	      WHERE changed_at >= '2026-01-10' AND changed_at < '2026-02-08') AS s}),
	'distribute_leads extend_deadline sales_expire sql',
	'the generated period has every kind of move');
is($node->safe_psql('dept', q{
	SELECT count(*) FILTER (WHERE to_state IS NULL) > 0
	   AND count(*) FILTER (WHERE to_state = 'recall') > 0
	   AND count(*) FILTER (WHERE from_manager <> to_manager) > 0
	FROM salesalgo.client_history WHERE changed_at >= '2026-01-10' AND changed_at < '2026-02-08'}),
	't', 'deletions, recalls and reassignments among them');
is($node->safe_psql('dept', "SELECT count(*) FROM salesalgo.model_changes($period)"),
	'1', 'one model in force');
is($node->safe_psql('dept', qq{
	SELECT count(*) FILTER (WHERE actual <> what_if) || ' of ' || count(*)
	FROM salesalgo.what_if($period, salesalgo.model_at('2026-01-10'))}),
	'0 of 60', 'generated: what_if under the model in force equals the actual numbers');
is($node->safe_psql('dept', qq{
	SELECT count(*) FROM salesalgo.what_if($period, '{}') AS w
	FULL JOIN salesalgo.trial_report($period) AS t ON t.manager_id IS NOT DISTINCT FROM w.manager_id
	WHERE w.metric IN ('taken_into_work', 'deals', 'expired')
	  AND w.actual IS DISTINCT FROM CASE w.metric WHEN 'taken_into_work' THEN t.taken_into_work
	                                              WHEN 'deals' THEN t.deals ELSE t.expired END}),
	'0', 'its actual taken_into_work, deals and expired are trial_report\'s');
cmp_ok($node->safe_psql('dept', qq{
	SELECT actual FROM salesalgo.what_if($period, '{}') WHERE manager_id IS NULL AND metric = 'expired'}),
	'>', 100, 'with many expiries');

# A lower cap never refuses fewer entries, per manager and in total.
my $caps = $node->safe_psql('dept', qq{
	WITH runs AS (
	    SELECT cap, w.manager_id, w.what_if AS refused
	    FROM generate_series(10, 100, 10) AS cap,
	         LATERAL salesalgo.what_if($period, jsonb_build_object('default_worklist_cap', cap)) AS w
	    WHERE w.metric = 'refused_by_cap'
	)
	SELECT count(*) FILTER (WHERE refused > lag) || ' ' || max(refused) FILTER (WHERE cap = 10)
	       || ' ' || max(refused) FILTER (WHERE cap = 100)
	FROM (SELECT *, lag(refused) OVER (PARTITION BY manager_id ORDER BY cap) FROM runs) AS r});
my ($rises, $at10, $at100) = split / /, $caps;
is($rises, '0', 'a higher cap never refuses more');
cmp_ok($at10, '>', $at100, "and a cap of 10 refuses more than one of 100 ($at10, $at100)");

# Shorter deadlines never lose fewer deals: every rule scaled by d.
my $deadlines = $node->safe_psql('dept', qq{
	WITH runs AS (
	    SELECT d, w.manager_id, w.what_if AS lost
	    FROM generate_series(1, 8) AS d,
	         LATERAL salesalgo.what_if($period, jsonb_build_object('deadline_rule', jsonb_build_array(
	             jsonb_build_object('size', 'small', 'days', d),
	             jsonb_build_object('size', 'medium', 'days', d + 2),
	             jsonb_build_object('size', 'large', 'days', d + 4),
	             jsonb_build_object('size', NULL, 'days', d + 3)))) AS w
	    WHERE w.metric = 'deals_lost_to_deadline'
	)
	SELECT count(*) FILTER (WHERE lost > lag) || ' ' || max(lost) FILTER (WHERE d = 1)
	FROM (SELECT *, lag(lost) OVER (PARTITION BY manager_id ORDER BY d) FROM runs) AS r});
my ($more, $at1) = split / /, $deadlines;
is($more, '0', 'longer deadlines never lose more deals');
cmp_ok($at1, '>', 0, "and the shortest loses some ($at1)");

$node->stop;
done_testing();
