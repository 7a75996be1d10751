# pg_upgrade of a database holding a department (15 to 15: two clusters of
# this machine's PostgreSQL).  It restores with an empty search_path, so
# every operator behind the views must be found without one; afterwards
# every row and rule is as it was, check() is empty and the department
# keeps working.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->start;
$old->safe_psql('postgres', 'CREATE DATABASE sales');
$old->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+00';
	INSERT INTO salesalgo.category (id, name) VALUES (1, 'trade'), (2, 'production');
	INSERT INTO salesalgo.deadline_rule (size, category_id, days) VALUES ('large', 2, 60);
	UPDATE salesalgo.deadline_rule SET days = 20 WHERE size = 'small' AND category_id IS NULL;
	DELETE FROM salesalgo.transition_rule WHERE from_state = 'recall' AND to_state = 'refusal';
	INSERT INTO salesalgo.manager (id, name, login, worklist_cap) VALUES
		(1, 'Anna', 'anna', 5), (2, 'Boris', NULL, NULL);
	INSERT INTO salesalgo.client (id, name, size, manager_id, category_id)
		SELECT i, 'client ' || i, (ARRAY['small', 'medium', 'large', 'nonprofile'])[1 + i % 4]::salesalgo.client_size,
		       CASE WHEN i % 4 <> 3 AND i <= 8 THEN 1 + i % 2 END, 1 + i % 2
		FROM generate_series(1, 20) AS i;
	SET salesalgo.now = '2026-03-03 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE manager_id IS NOT NULL;
	SET salesalgo.now = '2026-03-04 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (1, 2);
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 4;
	SET salesalgo.now = '2026-03-05 09:00+00';
	UPDATE salesalgo.client SET state = 'deal' WHERE id = 1;
	SELECT salesalgo.extend_deadline(2, '2026-06-01 09:00+00', 'tender');
	CREATE ROLE anna LOGIN;
	CREATE ROLE metabase LOGIN;
	SELECT salesalgo.grant_access('anna', 'manager');
	SELECT salesalgo.grant_access('metabase', 'bi');
});

# Everything the department is: every table's rows, the views' answers.
my $snapshot = q{
	SELECT string_agg(format('%s %s', t, md5(r)), E'\n' ORDER BY t) FROM (
		SELECT 'manager' AS t, string_agg(x::text, ';' ORDER BY x.id) AS r FROM salesalgo.manager AS x
		UNION ALL SELECT 'category', string_agg(x::text, ';' ORDER BY x.id) FROM salesalgo.category AS x
		UNION ALL SELECT 'client', string_agg(x::text, ';' ORDER BY x.id) FROM salesalgo.client AS x
		UNION ALL SELECT 'history', string_agg(x::text, ';' ORDER BY x.id) FROM salesalgo.client_history AS x
		UNION ALL SELECT 'refusal_reason', string_agg(x::text, ';' ORDER BY x.code) FROM salesalgo.refusal_reason AS x
		UNION ALL SELECT 'transition_rule', string_agg(x::text, ';' ORDER BY x::text) FROM salesalgo.transition_rule AS x
		UNION ALL SELECT 'deadline_rule', string_agg(x::text, ';' ORDER BY x::text) FROM salesalgo.deadline_rule AS x
		UNION ALL SELECT 'settings', string_agg(x::text, ';') FROM salesalgo.settings AS x
		UNION ALL SELECT 'removed_default', string_agg(x::text, ';' ORDER BY x::text) FROM salesalgo.removed_default AS x
		UNION ALL SELECT 'access_role', string_agg(x.role::text || x.kind, ';' ORDER BY x.role::text) FROM salesalgo.access_role AS x
		UNION ALL SELECT 'funnel', string_agg(x::text, ';') FROM salesalgo.funnel AS x
		UNION ALL SELECT 'pipeline', string_agg(x::text, ';') FROM salesalgo.pipeline AS x
		UNION ALL SELECT 'stage_time', string_agg(x::text, ';') FROM salesalgo.stage_time AS x
		UNION ALL SELECT 'trial_report', string_agg(x::text, ';')
			FROM salesalgo.trial_report('2026-03-01', '2026-04-01') AS x
		UNION ALL SELECT 'sequences', string_agg(s.last_value::text, ';' ORDER BY s.sequencename)
			FROM pg_sequences AS s WHERE s.schemaname = 'salesalgo'
	) AS s};
# privileges in clear, so that a difference shows which; NULL is the
# owner's default, which pg_dump writes as nothing
my $privileges = q{
	SELECT string_agg(c.relname || ' ' || coalesce(c.relacl,
	           acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))::text,
	           E'\n' ORDER BY c.relname)
	FROM pg_class AS c WHERE c.relnamespace = 'salesalgo'::regnamespace AND c.relkind IN ('r', 'v', 'S')};
my $before = $old->safe_psql('sales', "SET TIME ZONE 'UTC'; $snapshot");
my $privileges_before = $old->safe_psql('sales', $privileges);
my $version = $old->safe_psql('sales', q{SELECT extversion FROM pg_extension WHERE extname = 'salesalgo'});
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;
my $bindir = $old->config_data('--bindir');
my $work = PostgreSQL::Test::Utils::tempdir;
chdir $work or die "chdir $work: $!";
command_ok(
	[ "$bindir/pg_upgrade", '--no-sync',
	  '-b', $bindir, '-B', $bindir,
	  '-d', $old->data_dir, '-D', $new->data_dir,
	  '-s', $new->host, '-p', $old->port, '-P', $new->port ],
	'pg_upgrade of a cluster holding a department completes');
if (!$ENV{SALESALGO_KEEP})
{
	# pg_upgrade's logs are in the new data directory; show them on failure
	for my $log (glob($new->data_dir . '/pg_upgrade_output.d/*/log/*.log'))
	{
		note("$log:\n" . slurp_file($log)) if slurp_file($log) =~ /ERROR/;
	}
}

$new->start;
is($new->safe_psql('sales', q{SELECT extversion FROM pg_extension WHERE extname = 'salesalgo'}),
	$version, 'the extension is at the same version');
is($new->safe_psql('sales', "SET TIME ZONE 'UTC'; $snapshot"), $before,
	'every row, rule, sequence and view answer is as it was');
is($new->safe_psql('sales', $privileges), $privileges_before,
	'every table, view and sequence has its privileges');
is($new->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0', 'check() is empty');

# The department keeps working: the rules, the history, the leads.
$new->safe_psql('sales', q{
	SET salesalgo.now = '2026-03-06 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 2;
});
my ($ret, $out, $err) = $new->psql('sales',
	q{UPDATE salesalgo.client SET state = 'client' WHERE id = 6});
like($err, qr/cannot move from contact_1 to client/, 'an illegal move is still refused');
is($new->safe_psql('sales', q{
	SELECT to_state FROM salesalgo.client_history WHERE client_id = 2 ORDER BY id DESC LIMIT 1}),
	'contact_3', 'a legal move is history');
is($new->safe_psql('sales', q{SELECT salesalgo.distribute_leads()}), '9',
	'the nine leads are distributed');
is($new->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.client WHERE state = 'new' AND manager_id IS NULL AND size <> 'nonprofile'}),
	'0', 'no lead left, compared with the default search_path');
is($new->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0', 'check() is still empty');

$new->stop;
done_testing();
