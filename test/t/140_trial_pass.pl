# The one C pass of trial_report and trial_series (report_facts) against
# the straightforward reference (test/report_reference.sql) where its
# shortcuts do not hold: a simulated clock set back, so that history ids no
# longer grow with time (each deal's last entry then comes from its
# client's own history, as the reference defines it: the latest entry with
# a smaller id), and periods that start after a deal's entry, so that the
# entry is found before the period, by the client_id index.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('trial_pass');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION salesalgo');
for my $file ('bench/department.sql', 'test/report_reference.sql')
{
	$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $file,
		'-d', $node->connstr('postgres') ], "$file loads");
}
$node->safe_psql('postgres', 'CALL department.generate(4, 14)');

# rows of one that the other lacks, either way (duplicates count)
sub differences
{
	my ($fast, $slow) = @_;
	return $node->safe_psql('postgres', qq{
		SET TimeZone = 'UTC';
		SELECT count(*) FROM (
			(SELECT * FROM $fast EXCEPT ALL SELECT * FROM $slow)
			UNION ALL
			(SELECT * FROM $slow EXCEPT ALL SELECT * FROM $fast)) AS d});
}

sub compare_periods
{
	my ($when, @periods) = @_;
	for my $p (@periods)
	{
		my ($from, $to, $what) = @$p;
		is(differences("salesalgo.trial_report('$from', '$to')",
				"reference.trial_report('$from', '$to')"),
			'0', "$when: trial_report equals the reference: $what");
		is(differences("salesalgo.trial_series('$from', '$to', '2 days')",
				"reference.trial_series('$from', '$to', '2 days')"),
			'0', "$when: trial_series equals the reference: $what");
	}
}

my @periods = (
	[ '2026-01-05 00:00+00', '2026-01-26 00:00+00', 'the whole history' ],
	[ '2026-01-08 00:00+00', '2026-01-10 00:00+00', 'the days the clock went back to' ],
	[ '2026-01-09 00:00+00', '2026-01-20 00:00+00', 'entries before the period' ],
	[ '2026-01-12 00:00+00', '2026-01-19 00:00+00', 'after the detour of the clock' ]);

# deals whose client entered its worklist before the period: the pass
# looks their entries up by client
is($node->safe_psql('postgres', q{
	SELECT count(*) > 0 FROM salesalgo.client_history AS d
	WHERE d.to_state = 'deal' AND d.changed_at >= '2026-01-12'
	  AND NOT EXISTS (SELECT FROM salesalgo.client_history AS e
	                  WHERE e.client_id = d.client_id AND e.changed_at >= '2026-01-12'
	                    AND e.id < d.id AND e.to_state = 'new')}),
	't', 'some deals of the last week have their entry before it');
compare_periods('ids in time order', @periods);

# The clock goes back four days after the history's end: five clients in
# contact_2 or contact_3 change hands on 2026-01-08 (an entry into the new
# manager's worklist, written after their earlier entries but dated before
# some of them) and make a deal the next day; one more client enters and
# leaves within one statement's time.
$node->safe_psql('postgres', q{
	UPDATE salesalgo.manager SET worklist_cap = 10000;
	SET salesalgo.now = '2026-01-08 12:00+00';
	CREATE TEMP TABLE moved AS
		SELECT c.id, c.manager_id FROM salesalgo.client AS c
		WHERE c.state IN ('contact_2', 'contact_3') AND c.manager_id IS NOT NULL
		ORDER BY c.id LIMIT 5;
	UPDATE salesalgo.client AS c
	SET manager_id = (SELECT min(m.id) FROM salesalgo.manager AS m WHERE m.id <> c.manager_id)
	WHERE c.id IN (SELECT id FROM moved);
	SET salesalgo.now = '2026-01-09 12:00+00';
	UPDATE salesalgo.client SET state = 'deal' WHERE id IN (SELECT id FROM moved);
});
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM salesalgo.client_history WHERE source = 'sql'
	  AND changed_at IN ('2026-01-08 12:00+00', '2026-01-09 12:00+00')
	  AND id > (SELECT min(id) FROM salesalgo.client_history WHERE changed_at > '2026-01-10')}),
	'10', 'the clock went back: ten rows with later ids and earlier times');
compare_periods('ids out of time order', @periods);

is($node->safe_psql('postgres', q{
	SELECT deals > 0 AND median_days_to_deal IS NOT NULL
	FROM salesalgo.trial_report('2026-01-08', '2026-01-10') WHERE manager_id IS NULL}),
	't', 'the back-dated deals are in the report, with a median');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0', 'check() is empty');

$node->stop;
done_testing();
