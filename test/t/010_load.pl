# A bounded pgbench load: several clients at READ COMMITTED and at
# REPEATABLE READ mix moves, assignments, reassignments, new leads,
# sales_expire() and distribute_leads() on managers near their caps.
# Afterwards check() is empty, no manager ever went past its cap (in any
# committed state sampled during the run, nor replaying the history), no
# deadlock happened, and every error a client saw was a serialization
# failure that pgbench retried.  Prints what was done and the errors by kind.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{SALESALGO_LOAD_SECONDS} // 20;
my $node = PostgreSQL::Test::Cluster->new('load');
$node->init;
$node->append_conf('postgresql.conf', qq{
log_error_verbosity = verbose
log_min_messages = warning
deadlock_timeout = 100ms
});
$node->start;

$node->safe_psql('postgres', q{
	ALTER DATABASE postgres SET search_path = public, salesalgo;
	CREATE EXTENSION salesalgo;
	INSERT INTO salesalgo.manager (id, name, worklist_cap)
		SELECT i, 'manager ' || i, 30 FROM generate_series(1, 12) AS i;
	INSERT INTO salesalgo.client (name, size)
		SELECT 'client ' || i, (ARRAY['small', 'medium', 'large'])[1 + i % 3]::salesalgo.client_size
		FROM generate_series(1, 3000) AS i;
	SELECT salesalgo.distribute_leads(200);

	-- The load's own helpers.  A rule's refusal (a full worklist, a move the
	-- rules forbid) is the business working, not an error: it is counted
	-- by kind in load.outcome.  Anything else reaches pgbench.
	CREATE SCHEMA load;
	CREATE UNLOGGED TABLE load.outcome (kind text NOT NULL);
	CREATE FUNCTION load.try(statement text) RETURNS void LANGUAGE plpgsql AS $$
	DECLARE
		constraint_name text;
	BEGIN
		EXECUTE statement;
	EXCEPTION WHEN check_violation OR not_null_violation THEN
		GET STACKED DIAGNOSTICS constraint_name = CONSTRAINT_NAME;
		INSERT INTO load.outcome VALUES ('refused by ' || coalesce(constraint_name, 'rule'));
	END $$;
	-- a legal move, or an illegal one now and then
	CREATE FUNCTION load.move(client_id bigint) RETURNS void LANGUAGE plpgsql AS $$
	DECLARE
		target salesalgo.client_state;
	BEGIN
		SELECT r.to_state INTO target
		FROM salesalgo.client c JOIN salesalgo.transition_rule r ON r.from_state = c.state
		WHERE c.id = client_id ORDER BY random() LIMIT 1;
		IF target IS NULL OR random() < 0.05 THEN
			target := 'client';
		END IF;
		PERFORM load.try(format(
			'UPDATE salesalgo.client SET state = %L,'
			' refusal_reason = CASE WHEN %L = ''refusal'' THEN %L ELSE refusal_reason END'
			' WHERE id = %s',
			target, target, CASE WHEN random() < 0.2 THEN 'nonprofile' ELSE 'no_money' END,
			client_id));
	END $$;
	-- what every other session sees committed: nobody past the cap
	CREATE FUNCTION load.watch() RETURNS void LANGUAGE sql AS $$
		INSERT INTO load.outcome
		SELECT 'seen past the cap'
		FROM salesalgo.manager m
		WHERE (SELECT count(*) FROM salesalgo.client c
		       WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state)) > m.worklist_cap
	$$;
});

my $dir = PostgreSQL::Test::Utils::tempdir();
my %scripts = (
	move => q{\set id random(1, 3000)
SELECT load.move(:id);},
	assign => q{\set id random(1, 3000)
\set m random(1, 12)
SELECT load.try('UPDATE salesalgo.client SET manager_id = :m WHERE id = :id AND manager_id IS NULL');},
	reassign => q{\set id random(1, 3000)
\set m random(1, 12)
SELECT load.try('UPDATE salesalgo.client SET manager_id = :m WHERE id = :id');},
	leads => q{SELECT salesalgo.distribute_leads(5);},
	intake => q{INSERT INTO salesalgo.client (name, size) VALUES ('walk-in', 'medium');},
	expire => q{SELECT salesalgo.sales_expire(now() + interval '15 days');},
	watch => q{SELECT load.watch();},
);
for my $name (keys %scripts)
{
	open(my $fh, '>', "$dir/$name.sql") or die;
	print $fh $scripts{$name}, "\n";
	close($fh);
}
my @mix = map { ('-f', "$dir/$_") }
  ('move.sql@50', 'assign.sql@10', 'reassign.sql@10', 'leads.sql@4',
	'intake.sql@6', 'expire.sql@2', 'watch.sql@2');

# Four READ COMMITTED clients and two REPEATABLE READ clients at once.
my %out;
my @runs;
for my $run ([ 'read committed', 4 ], [ 'repeatable read', 2 ])
{
	my ($level, $clients) = @$run;
	(my $escaped = $level) =~ s/ /\\ /g;
	local $ENV{PGOPTIONS} = "-c default_transaction_isolation=$escaped";
	$out{$level} = '';
	push @runs, IPC::Run::start(
		[
			'pgbench', '-n', '-c', $clients, '-j', $clients, '-T', $seconds,
			'--max-tries=50', '--failures-detailed', @mix, $node->connstr('postgres')
		],
		'>', \$out{$level}, '2>&1');
}
my $all_ok = 1;
$all_ok &&= $_->finish for @runs;

my $done = 0;
for my $level (sort keys %out)
{
	my $text = $out{$level};
	my ($processed) = $text =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $text =~ /number of failed transactions: (\d+)/;
	my ($serialization) = $text =~ /number of serialization failures: (\d+)/;
	my ($deadlocks) = $text =~ /number of deadlock failures: (\d+)/;
	my ($retried) = $text =~ /number of transactions retried: (\d+)/;
	$done += $processed // 0;
	diag(sprintf('%-16s %7d transactions, %d retried, %d failed (serialization %d, deadlock %d)',
			$level, $processed // -1, $retried // 0, $failed // -1,
			$serialization // -1, $deadlocks // -1));
	unlike($text, qr/aborted|error/i, "$level: no client stopped on an error")
	  or diag($text);
	is($failed, 0, "$level: every failed try was retried to success");
}
ok($all_ok, 'both pgbench runs ended well');
cmp_ok($done, '>', 1000, 'the load did a fair amount of work');

# The errors the server reported, by SQLSTATE (log_error_verbosity=verbose).
my %errors;
my $log = slurp_file($node->logfile);
$errors{$1}++ while $log =~ /ERROR:  ([0-9A-Z]{5}): /g;
diag("server errors by SQLSTATE: "
	  . (join(', ', map { "$_ $errors{$_}" } sort keys %errors) || 'none'));
is(join(',', grep { $_ ne '40001' } sort keys %errors), '',
	'the only errors were serialization failures, which pgbench retried');
ok(!$errors{'40P01'}, 'no deadlock');

diag("business refusals and samples by kind:\n"
	  . $node->safe_psql('postgres',
		q{SELECT kind || ': ' || count(*) FROM load.outcome GROUP BY kind ORDER BY kind}));
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM load.outcome WHERE kind = 'seen past the cap'}),
	'0', 'no committed state ever showed a manager past its cap');

# Replaying the history manager by manager: history rows are written while
# the manager's row is locked, so their order is the order of the counts.
is($node->safe_psql('postgres', q{
	WITH deltas AS (
		SELECT id, from_manager AS manager, -1 AS delta FROM salesalgo.client_history
		WHERE from_manager IS NOT NULL AND salesalgo.in_worklist(from_state)
		UNION ALL
		SELECT id, to_manager, 1 FROM salesalgo.client_history
		WHERE to_manager IS NOT NULL AND salesalgo.in_worklist(to_state)
	), running AS (
		SELECT manager, sum(delta) OVER (PARTITION BY manager ORDER BY id, delta) AS holds
		FROM deltas
	)
	SELECT count(*) FROM running r JOIN salesalgo.manager m ON m.id = r.manager
	WHERE r.holds > m.worklist_cap}),
	'0', 'replaying the history, no manager ever held more than its cap');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() finds nothing wrong');
diag("clients by state: "
	  . $node->safe_psql('postgres',
		q{SELECT string_agg(state || ' ' || n, ', ' ORDER BY state)
		  FROM (SELECT state, count(*) AS n FROM salesalgo.client GROUP BY state) s}));

$node->stop;
done_testing();
