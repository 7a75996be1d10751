# A database in use, with the DBA's changes to the installed rules, survives
# pg_dump and pg_restore into a fresh database: every row of every table and
# every sequence comes back once, with no error, and the restored department
# goes on working.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	SET search_path = public, salesalgo;
	SET salesalgo.now = '2026-02-02 09:00+03';

	INSERT INTO manager (name, login, worklist_cap) VALUES
	    ('Анна', 'anna', 50), ('Boris', NULL, NULL), ('Vera', 'vera', 3);
	UPDATE manager SET active = false WHERE name = 'Vera';
	INSERT INTO category (name) VALUES ('production'), ('trade'), ('services');

	-- the DBA's changes to what CREATE EXTENSION installed
	UPDATE refusal_reason SET label = 'Кризис в отрасли' WHERE code = 'crisis';
	DELETE FROM refusal_reason WHERE code = 'other';
	INSERT INTO refusal_reason VALUES ('competitor', 'Went to a competitor', false);
	DELETE FROM transition_rule WHERE from_state = 'deal' AND to_state = 'refusal';
	INSERT INTO transition_rule VALUES ('contact_1', 'deal');
	UPDATE transition_rule SET to_state = 'contact_3'
	    WHERE from_state = 'strategic_reserve' AND to_state = 'contact_2';
	UPDATE deadline_rule SET days = 20 WHERE size = 'small' AND category_id IS NULL;
	DELETE FROM deadline_rule WHERE size = 'large' AND category_id IS NULL;
	INSERT INTO deadline_rule (size, category_id, days)
	    SELECT 'medium', id, 45 FROM category WHERE name = 'production';
	UPDATE settings SET default_worklist_cap = 60, expire_batch_size = 250;

	-- a department at work
	INSERT INTO client (name, size, category_id, manager_id, external_id, attributes)
	SELECT 'Компания ' || i,
	       (ARRAY['small','medium','large'])[1 + i % 3]::client_size,
	       1 + i % 3, 1 + i % 2, 'crm-' || i, jsonb_build_object('n', i)
	FROM generate_series(1, 40) AS i;
	INSERT INTO client (name, size) VALUES ('Lead A', 'small'), ('Чужие', 'nonprofile');
	UPDATE client SET state = 'contact_1' WHERE id <= 30;
	UPDATE client SET state = 'contact_2' WHERE id <= 20;
	UPDATE client SET state = 'deal' WHERE id <= 10;
	UPDATE client SET state = 'deal_support' WHERE id <= 5;
	UPDATE client SET state = 'client' WHERE id <= 2;
	UPDATE client SET state = 'refusal', refusal_reason = 'competitor' WHERE id IN (21, 22);
	UPDATE client SET state = 'recall' WHERE id = 22;
	UPDATE client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE name = 'Чужие';
	SELECT extend_deadline(25, '2026-04-01 18:00+03', 'big tender');
	DELETE FROM client WHERE id = 40;

	-- who sees what
	CREATE ROLE regress_dump_managers;
	CREATE ROLE regress_dump_bi;
	SELECT grant_access('regress_dump_managers', 'manager');
	SELECT grant_access('regress_dump_bi', 'bi');
});

my @tables = qw(manager category refusal_reason client client_history
  transition_rule deadline_rule settings removed_default access_role);
my @sequences = qw(manager_id_seq category_id_seq client_id_seq client_history_id_seq);

# Every row of every table, and every sequence, as text.
sub contents
{
	my ($db) = @_;
	my %contents;
	for my $table (@tables)
	{
		$contents{$table} = $node->safe_psql($db,
			"SELECT t::text FROM salesalgo.$table AS t ORDER BY 1");
	}
	for my $sequence (@sequences)
	{
		$contents{$sequence} = $node->safe_psql($db,
			"SELECT last_value || ' ' || is_called FROM salesalgo.$sequence");
	}
	# the privileges grant_access() gave, and the policies
	# (what others may do: an owner's explicit default ACL is no change)
	$contents{privileges} = $node->safe_psql($db, q{
		SELECT c.relname,
		       (SELECT string_agg(a.grantee::regrole || ' ' || a.privilege_type, ', '
		                          ORDER BY 1)
		        FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
		        WHERE a.grantee <> c.relowner),
		       (SELECT string_agg(a.attname || ' ' || a.attacl::text, ', ' ORDER BY a.attname)
		        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
		FROM pg_class c
		WHERE c.relnamespace = 'salesalgo'::regnamespace AND c.relkind IN ('r', 'v')
		ORDER BY 1});
	$contents{policies} = $node->safe_psql($db,
		q{SELECT tablename, policyname, qual FROM pg_policies ORDER BY 1, 2});
	return \%contents;
}

my $source = contents('sales');
ok($source->{client_history} ne '', 'the source has history');

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
	my $ok = IPC::Run::run($restore, '>', \$stdout, '2>', \$stderr);
	ok($ok, "the $format dump restores");
	is($stderr, '', "with nothing said on stderr ($format)");

	my $restored = contents($target);
	for my $name (@tables, @sequences, 'privileges', 'policies')
	{
		is($restored->{$name}, $source->{$name}, "$name comes back as it was ($format)");
	}

	# the restored department goes on working, under the restored rules
	is($node->safe_psql($target, q{
		SET search_path = public, salesalgo;
		INSERT INTO client (name, size, manager_id) VALUES ('After restore', 'small', 2);
		UPDATE client SET state = 'deal' WHERE id = 29;
		SELECT (SELECT count(*) FROM client_history WHERE client_id IN (29, 43)),
		       (SELECT max(id) FROM client),
		       (SELECT deadline_at - work_started_at FROM client WHERE id = 43)
	}), "4|43|20 days", "new clients and moves after the restore ($format)");
	my ($code) = $node->psql($target, q{
		UPDATE salesalgo.client SET state = 'recall' WHERE name = 'Чужие'});
	isnt($code, 0, "a hard refusal stays final after the restore ($format)");
	is($node->safe_psql($target, q{
		SELECT count(*) FROM salesalgo.manager m
		WHERE in_work <> (SELECT count(*) FROM salesalgo.client c
		                  WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state))
	}), '0', "worklist counts agree with the clients ($format)");
}

# A fresh install dumps and restores to itself: no installed row twice.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION salesalgo');
$node->command_ok(
	[ 'pg_dump', '--format', 'custom', '--file', "$dir/fresh.dump", '--dbname', $node->connstr('fresh') ],
	'pg_dump of a fresh install');
$node->safe_psql('postgres', 'CREATE DATABASE fresh_restored');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '--dbname', $node->connstr('fresh_restored'), "$dir/fresh.dump" ],
	'pg_restore of a fresh install');
is_deeply(contents('fresh_restored'), contents('fresh'), 'a fresh install comes back as it was');

$node->stop;
done_testing();
