# what_if() and the clients sales_expire() had to leave: a run skips a
# client another session holds (expire_runs: skipped 1), and the client
# expires at a later run.  Replayed under the model in force, the what-if
# expires it where reality did, not at the run that skipped it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('what_if_skipped');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2027-01-01 08:00+00';
	INSERT INTO salesalgo.manager (id, name) VALUES (1, 'Anna');
	SET salesalgo.now = '2027-01-01 09:00+00';
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (1, 'Held', 'small', 1);
});

# The evening after its deadline another session holds it: the run skips it.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
$holder->query_safe('SELECT id FROM salesalgo.client WHERE id = 1 FOR UPDATE');
$node->safe_psql('postgres', q{
	SET salesalgo.now = '2027-01-15 23:00+00';
	SELECT salesalgo.sales_expire();
});
is($node->safe_psql('postgres',
	q{SELECT moved || ' ' || skipped FROM salesalgo.expire_runs ORDER BY id DESC LIMIT 1}),
	'0 1', 'the first run after the deadline skips the held client');
$holder->query_safe('COMMIT');
$holder->quit;

# The next evening's run expires it.
$node->safe_psql('postgres', q{
	SET salesalgo.now = '2027-01-16 23:00+00';
	SELECT salesalgo.sales_expire();
});
is($node->safe_psql('postgres', q{SELECT state FROM salesalgo.client WHERE id = 1}),
	'refusal', 'the next run expires it');

my $period = q{'2027-01-01', '2027-02-01'};
is($node->safe_psql('postgres', qq{
	SELECT count(*) FILTER (WHERE actual <> what_if) || ' of ' || count(*)
	FROM salesalgo.what_if($period, salesalgo.model_at('2027-01-01'))}),
	'0 of 20', 'the model in force replays to what happened');
# A longer deadline for another size leaves the small client's expiry as it was.
is($node->safe_psql('postgres', qq{
	SELECT string_agg(metric || ' ' || actual || ' ' || what_if, ', ' ORDER BY metric)
	FROM salesalgo.what_if($period, '{"deadline_rule": [{"size": "large", "days": 50}]}')
	WHERE actual <> what_if}),
	'', 'a rule for another size changes nothing');

$node->stop;
done_testing();
