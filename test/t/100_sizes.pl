# Size rules across the life of a database: a database still at 1.1 under
# the new library types its sizes as before and takes size rules from the
# statement after ALTER EXTENSION UPDATE, in the same session; the size
# rules, the profile and the derived sizes survive pg_dump and pg_restore,
# and the restored database derives sizes from the restored rules.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('sizes');
$node->init;
$node->start;

# 1.1 under the new library, then the update, in one session
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', q{CREATE EXTENSION salesalgo VERSION '1.1'});
my ($code, $out, $err) = $node->psql('old', q{
	SET search_path = public, salesalgo;
	INSERT INTO client (name, size) VALUES ('Typed', 'medium');
	INSERT INTO client (name, attributes) VALUES ('Untyped', '{"employees": 300}');
	ALTER EXTENSION salesalgo UPDATE TO '1.2';
	INSERT INTO size_rule (size, condition) VALUES ('large', '$.employees >= 250');
	INSERT INTO client (name, attributes) VALUES ('Derived', '{"employees": 300}');
	SELECT name, size, size_derived FROM client ORDER BY id;
}, on_error_stop => 0);
like($err, qr/null value in column "size".*HINT:  Give the client a size: nonprofile, small, medium or large\./s,
	'at 1.1 a client without a size is refused as before');
is($out, "Typed|medium|f\nDerived|large|t",
	'after the update, the same session derives sizes from the size rules');
is($node->safe_psql('old', q{
	SELECT string_agg(concat_ws('/', from_size, to_size, size_derived), ' ' ORDER BY id)
	FROM salesalgo.client_history}),
	' large/t', 'history before the update has no sizes; after it, the size and how it came');

# dump and restore
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	SET search_path = public, salesalgo;
	INSERT INTO category (id, name, in_profile) VALUES
	    (1, 'production', true), (2, 'retail', true), (3, 'government', false);
	INSERT INTO size_rule (size, category_id, condition) VALUES
	    ('large', NULL, '$.revenue >= 500000000 || $.employees >= 250'),
	    ('medium', NULL, '$.employees >= 50'),
	    ('small', NULL, 'true'),
	    ('medium', 2, '$.employees >= 20');
	INSERT INTO manager (name) VALUES ('Anna');
	INSERT INTO client (name, category_id, manager_id, attributes) VALUES
	    ('Oak', 1, 1, '{"employees": 300}'),
	    ('Ash', 2, 1, '{"employees": 25}'),
	    ('Fir', 1, NULL, '{"employees": 3}');
	INSERT INTO client (name, size, category_id) VALUES ('Ministry', 'nonprofile', 3);
	INSERT INTO client (name, size, category_id, attributes) VALUES ('Lime', 'large', 1, '{"employees": 3}');
	UPDATE client SET state = 'contact_1' WHERE manager_id = 1;
	CREATE ROLE regress_sizes_head;
	SELECT grant_access('regress_sizes_head', 'head');
});

sub contents
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT (SELECT string_agg(t::text, ' ' ORDER BY t.id) FROM salesalgo.size_rule AS t),
		       (SELECT string_agg(t::text, ' ' ORDER BY t.id) FROM salesalgo.category AS t),
		       (SELECT string_agg(concat_ws('/', t.id, t.size, t.size_derived), ' ' ORDER BY t.id)
		        FROM salesalgo.client AS t),
		       (SELECT string_agg(concat_ws('/', t.client_id, t.from_size, t.to_size, t.size_derived), ' ' ORDER BY t.id)
		        FROM salesalgo.client_history AS t),
		       (SELECT last_value FROM salesalgo.size_rule_id_seq),
		       has_function_privilege('regress_sizes_head', 'salesalgo.reclassify(bigint[])', 'EXECUTE'),
		       has_table_privilege('regress_sizes_head', 'salesalgo.size_rule', 'SELECT')});
}

my $source = contents('sales');
my $dir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok(
	[ 'pg_dump', '--format', 'custom', '--file', "$dir/sales.dump", '--dbname', $node->connstr('sales') ],
	'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($stdout, $stderr);
ok(IPC::Run::run(
		[ 'pg_restore', '--dbname', $node->connstr('restored'), "$dir/sales.dump" ],
		'>', \$stdout, '2>', \$stderr),
	'pg_restore');
is($stderr, '', 'with nothing said on stderr');
is(contents('restored'), $source,
	'size rules, profile, derived sizes, their history and the grants come back as they were');
is($node->safe_psql('restored', q{
	SET search_path = public, salesalgo;
	INSERT INTO size_rule (size, condition) VALUES ('large', '$.employees >= 100');
	INSERT INTO client (name, category_id, attributes) VALUES
	    ('After', 2, '{"employees": 30}'), ('Gov', 3, '{"employees": 9000}');
	SELECT string_agg(size::text, ' ' ORDER BY id) FROM client WHERE name IN ('After', 'Gov');
}), 'medium nonprofile', 'the restored database derives sizes from the restored rules');

$node->stop;
done_testing();
