# The model's history survives pg_dump and pg_restore: every row of
# rule_history comes back once, the restore writes none of its own, the
# model at every time is the same, and the next change is appended after
# the restored ones.  An update from 1.1 gives heads of sales and BI roles
# the calibration functions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('rule_history_dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	SET search_path = public, salesalgo;
	SET salesalgo.now = '2026-02-02 09:00+00';
	INSERT INTO manager (name, worklist_cap) VALUES ('Anna', 50), ('Boris', NULL), ('Vera', 3);
	INSERT INTO category (name) VALUES ('production');
	INSERT INTO client (name, size, manager_id) SELECT 'c' || i, 'small', 1 + i % 2 FROM generate_series(1, 10) AS i;
	SET salesalgo.now = '2026-02-05 09:00+00';
	UPDATE manager SET worklist_cap = 60 WHERE name = 'Anna';
	UPDATE manager SET active = false WHERE name = 'Vera';
	UPDATE deadline_rule SET days = 21 WHERE size = 'medium' AND category_id IS NULL;
	INSERT INTO deadline_rule (size, category_id, days) SELECT 'large', id, 45 FROM category;
	DELETE FROM transition_rule WHERE from_state = 'deal' AND to_state = 'refusal';
	INSERT INTO refusal_reason VALUES ('competitor', 'Went to a competitor', false);
	SET salesalgo.now = '2026-02-09 09:00+00';
	UPDATE settings SET default_worklist_cap = 70;
	DELETE FROM refusal_reason WHERE code = 'competitor';
	UPDATE manager SET worklist_cap = NULL WHERE name = 'Anna';
});

my @times = ('2026-02-01 00:00+00', '2026-02-02 09:00+00', '2026-02-05 12:00+00',
	'2026-02-09 09:00+00', '2026-03-01 00:00+00');

sub state_of
{
	my ($db) = @_;
	my %state;
	$state{rows} = $node->safe_psql($db,
		'SELECT t::text FROM salesalgo.rule_history AS t ORDER BY id');
	$state{sequence} = $node->safe_psql($db,
		'SELECT last_value || \' \' || is_called FROM salesalgo.rule_history_id_seq');
	$state{models} = join("\n",
		map { $node->safe_psql($db, "SELECT salesalgo.model_at('$_')::text") } @times);
	return \%state;
}

my $source = state_of('sales');
is(scalar(split /\n/, $source->{rows}), 13, 'the source has 13 changes of the model (the category added among them)');

my $dir = PostgreSQL::Test::Utils::tempdir;
for my $format (qw(custom plain))
{
	my $file = "$dir/sales.$format";
	my $target = "sales_$format";
	$node->command_ok(
		[ 'pg_dump', '--format', $format, '--file', $file, '--dbname', $node->connstr('sales') ],
		"pg_dump --format=$format");
	$node->safe_psql('postgres', "CREATE DATABASE $target");
	my ($stdout, $stderr);
	my $restore =
	  $format eq 'plain'
	  ? [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $file, '-d', $node->connstr($target) ]
	  : [ 'pg_restore', '--dbname', $node->connstr($target), $file ];
	ok(IPC::Run::run($restore, '>', \$stdout, '2>', \$stderr), "restore of the $format dump")
	  or diag($stderr);
	is($stderr, '', "the $format restore says nothing on stderr");

	my $restored = state_of($target);
	is($restored->{rows}, $source->{rows},
		"$format: rule_history comes back row for row, nothing duplicated or added");
	is($restored->{sequence}, $source->{sequence}, "$format: its sequence comes back");
	is($restored->{models}, $source->{models}, "$format: the model at every time is the same");

	$node->safe_psql($target, q{
		SET salesalgo.now = '2026-03-02 09:00+00';
		UPDATE salesalgo.manager SET worklist_cap = 5 WHERE name = 'Boris';
	});
	is($node->safe_psql($target, q{
		SELECT count(*) || ' ' || max(id) || ' ' ||
		       (SELECT new_row ->> 'worklist_cap' FROM salesalgo.rule_history ORDER BY id DESC LIMIT 1)
		FROM salesalgo.rule_history}),
		'14 14 5', "$format: the next change is appended after the restored ones");
	is($node->safe_psql($target, q{
		SELECT format('%s %s', salesalgo.model_at('2026-03-01') -> 'worklist_cap' -> '2',
		              salesalgo.model_at('2026-03-03') -> 'worklist_cap' -> '2')}),
		'null 5', "$format: and the model before it is unchanged");
}

# An update from 1.1: no history before it, the model in force is the
# tables, and the kinds of access given before the update get the
# calibration functions.
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', q{
	CREATE EXTENSION salesalgo VERSION '1.1';
	CREATE ROLE regress_cal_head;
	CREATE ROLE regress_cal_bi;
	CREATE ROLE regress_cal_manager;
	SELECT salesalgo.grant_access('regress_cal_head', 'head');
	SELECT salesalgo.grant_access('regress_cal_bi', 'bi');
	SELECT salesalgo.grant_access('regress_cal_manager', 'manager');
	INSERT INTO salesalgo.manager (name, worklist_cap) VALUES ('Anna', 40);
	ALTER EXTENSION salesalgo UPDATE TO '1.2';
});
is($node->safe_psql('old', q{
	SELECT count(*) || ' ' || (salesalgo.model_at() -> 'worklist_cap')::text FROM salesalgo.rule_history}),
	'0 {"1": 40}', 'updated from 1.1: no history, the model in force from the tables');
is($node->safe_psql('old', q{
	SELECT string_agg(r || ' ' || has_function_privilege(r, 'salesalgo.what_if(timestamptz, timestamptz, jsonb)', 'EXECUTE')
	                  || ' ' || has_table_privilege(r, 'salesalgo.rule_history', 'SELECT'), ', ' ORDER BY r)
	FROM unnest('{regress_cal_bi,regress_cal_head,regress_cal_manager}'::text[]) AS r}),
	'regress_cal_bi true false, regress_cal_head true true, regress_cal_manager false false',
	'updated from 1.1: heads of sales and BI roles calibrate, managers do not');
$node->safe_psql('old', q{
	UPDATE salesalgo.manager SET worklist_cap = 45;
	SELECT salesalgo.revoke_access(r) FROM unnest('{regress_cal_head,regress_cal_bi,regress_cal_manager}'::regrole[]) AS r;
});
is($node->safe_psql('old', q{
	SELECT count(*) || ' ' || (SELECT new_row ->> 'worklist_cap' FROM salesalgo.rule_history)
	FROM salesalgo.rule_history}), '1 45', 'and the first change after the update is history');

$node->stop;
done_testing();
