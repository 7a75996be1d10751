# The demo is the product at work: it runs in under a minute, the same seed
# gives the same 40 days, and its figures are consistent with the rules and
# the history.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('demo');
$node->init;
$node->start;

sub run_demo
{
	my ($db, $seed) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	my ($stdout, $stderr);
	my $started = time;
	my $ok = IPC::Run::run(
		[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-v', "seed=$seed",
		  '-f', 'demo/demo.sql', '-d', $node->connstr($db) ],
		'>', \$stdout, '2>', \$stderr);
	return ($ok, $stdout, $stderr, time - $started);
}

my ($ok, $out, $err, $seconds) = run_demo('demo_42', 42);
ok($ok, 'the demo runs') or diag($err);
is($err, '', 'with nothing on stderr');
cmp_ok($seconds, '<', 60, sprintf('in under a minute (%.1f s)', $seconds));
like($out, qr/^ VERDICT: the model (works: keep it|needs correcting: analyse and adjust the rules)\. Criterion: /m,
	'it ends with a verdict and its criterion');
for my $section ('Worklists at the end of day 40', 'Early warning', 'Funnel', 'Time in each state',
	'Refusals by reason', 'The trial report for the 40 days', 'The trial week by week', 'What if')
{
	like($out, qr/== \Q$section\E/, "it shows: $section");
}
like($out, qr/refused: illegal move \(R2\) +\| +[1-9]/, 'some illegal moves were refused and counted');

my ($ok2, $again) = run_demo('demo_42_again', 42);
is($again, $out, 'the same seed gives the same 40 days');
my ($ok3, $other) = run_demo('demo_7', 7);
isnt($other, $out, 'another seed gives other days');

# the figures agree with the rules and the history
my $db = 'demo_42';
is($node->safe_psql($db, q{
	SELECT count(*) FROM salesalgo.worklist WHERE in_work > cap}), '0',
	'no manager is past the cap');
is($node->safe_psql($db, q{
	-- replay every worklist entry and exit in history order
	WITH h AS (
	    SELECT id, to_manager AS manager_id, 1 AS delta FROM salesalgo.client_history
	    WHERE to_manager IS NOT NULL AND salesalgo.in_worklist(to_state)
	      AND NOT (from_manager IS NOT DISTINCT FROM to_manager
	               AND coalesce(salesalgo.in_worklist(from_state), false))
	    UNION ALL
	    SELECT id, from_manager, -1 FROM salesalgo.client_history
	    WHERE from_manager IS NOT NULL AND salesalgo.in_worklist(from_state)
	      AND NOT (to_manager IS NOT DISTINCT FROM from_manager
	               AND coalesce(salesalgo.in_worklist(to_state), false))
	), running AS (
	    SELECT manager_id, sum(delta) OVER (PARTITION BY manager_id ORDER BY id) AS in_work
	    FROM h
	)
	SELECT count(*) FROM running r JOIN salesalgo.worklist w USING (manager_id)
	WHERE r.in_work > w.cap}), '0',
	'no manager was ever past the cap, replaying the history');
is($node->safe_psql($db, q{
	SELECT count(*) FROM salesalgo.manager m
	WHERE in_work <> (SELECT count(*) FROM salesalgo.client c
	                  WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state))}),
	'0', 'the worklist counts agree with the clients');
my ($expired) = $out =~ /expired at night +\| +(\d+)/;
is($node->safe_psql($db, q{
	SELECT count(*) FROM salesalgo.client_history WHERE source = 'sales_expire'}),
	$expired, "every expiry is in the history ($expired)");
is($node->safe_psql($db, q{
	SET search_path = public, salesalgo;
	SELECT count(*) FROM salesalgo.funnel f
	WHERE f.reached <> (SELECT count(DISTINCT h.client_id) FROM salesalgo.client_history h
	                    WHERE h.to_state = f.state AND h.from_state IS DISTINCT FROM h.to_state)}),
	'0', 'the funnel agrees with the history');
is($node->safe_psql($db, q{
	SET search_path = public, salesalgo;
	SELECT count(*) FROM salesalgo.client c
	WHERE c.state <> (SELECT h.to_state FROM salesalgo.client_history h
	                  WHERE h.client_id = c.id ORDER BY h.id DESC LIMIT 1)}),
	'0', 'every client is in the state its last history row says');

# The demo's tables add up: the managers' rows and the unassigned line make
# the total; refusals and expiries are apart, and the reasons table agrees
# with the trial report and the night runs.
sub table_after
{
	my ($title) = @_;
	my ($body) = $out =~ /== \Q$title\E.*?\n-[-+]+\n(.*?)\n\n/s;
	return [ map { [ map { s/^\s+|\s+$//gr } split /\|/ ] } split /\n/, ($body // '') ];
}
my $report = table_after('The trial report for the 40 days');
my ($total) = grep { $_->[0] eq 'total' } @$report;
my @parts = grep { $_->[0] ne 'total' } @$report;
is(scalar(@parts), 9, 'the trial report: eight managers and the unassigned line');
for my $column ([ 2, 'deals' ], [ 3, 'refusals' ], [ 4, 'expired' ])
{
	my ($i, $name) = @$column;
	my $sum = 0;
	$sum += ($_->[$i] || 0) for @parts;
	is($sum, $total->[$i], "the trial report's $name add up to the total ($total->[$i])");
}
is($total->[4], $expired, 'the trial report\'s expiries are the night runs\'');
my $reasons = table_after('Refusals by reason, and expiries');
my ($reasons_total) = grep { $_->[0] eq 'total' } @$reasons;
my ($refused, $expiries) = (0, 0);
for my $row (grep { $_->[0] ne 'total' } @$reasons)
{
	$refused += $row->[1];
	$expiries += $row->[2];
}
is($refused, $reasons_total->[1], 'the refusals by reason add up to their total');
is($reasons_total->[1], $total->[3], 'and to the trial report\'s refusals');
is($expiries, $total->[4], 'the expiries beside them are the trial report\'s');
like($out, qr/== Time in each state.*?\n-[-+]+\n New client .*\n Contact 1 .*\n Contact 2 /s,
	'time in each state is in the pipeline\'s order');

# The book's remaining rules at work: sizes from the rules, the recall
# pool at night, the early warning, the weeks adding up, a what-if verdict.
is($node->safe_psql($db, q{
	SELECT count(*) FILTER (WHERE NOT c.size_derived) || ' given, '
	    || count(*) FILTER (WHERE c.size = 'nonprofile' AND k.in_profile) || ' nonprofile in profile, '
	    || (count(*) FILTER (WHERE c.size = 'nonprofile') > 0) || ', '
	    || (count(DISTINCT c.size) = 4)
	FROM salesalgo.client AS c JOIN salesalgo.category AS k ON k.id = c.category_id}),
	'0 given, 0 nonprofile in profile, true, true',
	'every size came from the rules, all four sizes, nonprofile only out of profile');
my ($recalled) = $out =~ /recalled at night +\| +(\d+)/;
cmp_ok($recalled, '>', 0, "the recall pool filled at night ($recalled)");
is($node->safe_psql($db, q{
	SELECT count(*) FROM salesalgo.client_history WHERE source = 'sales_recall'}),
	$recalled, 'every recall is in the history');
like($out, qr/warned: due within 3 days +\| +[1-9]/, 'managers were warned before deadlines');
my $weeks = table_after('The trial week by week');
is(scalar(@$weeks), 8, 'eight weeks in the series');
for my $column ([ 2, 'deals', 2 ], [ 5, 'expired', 4 ])
{
	my ($i, $name, $in_total) = @$column;
	my $sum = 0;
	$sum += $_->[$i] for @$weeks;
	is($sum, $total->[$in_total], "the weeks' $name add up to the trial report's ($sum)");
}
# a client taken again in a later week counts in both weeks, once in the total
my $taken = 0;
$taken += $_->[1] for @$weeks;
cmp_ok($taken, '>=', $total->[1], "the weeks' clients taken ($taken) cover the trial report's");
like($out, qr/^ WHAT IF: (try "(cap 60|medium 21 days)" in the next trial|neither change)/m,
	'the what-ifs end with the change to try');

$node->stop;
done_testing();
