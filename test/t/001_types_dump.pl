# Columns of client_size and client_state survive pg_dump and pg_restore in
# every dump format, and a text dump restored by psql.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('types_dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
	CREATE EXTENSION salesalgo;
	CREATE TABLE typed (id int PRIMARY KEY,
	                    size salesalgo.client_size NOT NULL,
	                    state salesalgo.client_state,
	                    states salesalgo.client_state[]);
	INSERT INTO typed
	SELECT i,
	       (ARRAY['nonprofile','small','medium','large'])[1 + i % 4]::salesalgo.client_size,
	       CASE WHEN i % 11 <> 0 THEN
	           (ARRAY['new','contact_1','contact_2','contact_3','deal','deal_support',
	                  'client','strategic_reserve','recall','refusal'])[1 + i % 10]::salesalgo.client_state
	       END,
	       ARRAY['новый', 'сделка']::salesalgo.client_state[]
	FROM generate_series(1, 1000) AS i;
	CREATE INDEX ON typed (state);
	CREATE INDEX ON typed USING hash (size);
});

my $fingerprint = q{
	SELECT count(*), string_agg(id || ':' || size || ':' || coalesce(state::text, '-') || ':' || states::text, ',' ORDER BY id)
	FROM typed
};
my $expected = $node->safe_psql('source', $fingerprint);

my $dir = PostgreSQL::Test::Utils::tempdir;
for my $format (qw(custom directory tar plain))
{
	my $file = "$dir/source.$format";
	$node->command_ok(
		[ 'pg_dump', '--format', $format, '--file', $file, '--dbname', $node->connstr('source') ],
		"pg_dump --format=$format");

	my $target = "restored_$format";
	$node->safe_psql('postgres', "CREATE DATABASE $target");
	if ($format eq 'plain')
	{
		$node->command_ok(
			[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $file, '-d', $node->connstr($target) ],
			'psql restores the plain dump');
	}
	else
	{
		$node->command_ok(
			[ 'pg_restore', '--exit-on-error', '--dbname', $node->connstr($target), $file ],
			"pg_restore of the $format dump");
	}
	is($node->safe_psql($target, $fingerprint), $expected,
		"every row comes back from the $format dump");
	my $by_index = q{
		SET search_path = public, salesalgo;
		SET enable_seqscan = off;
		SELECT count(*) FROM typed WHERE state = 'deal'
	};
	is($node->safe_psql($target, $by_index),
		$node->safe_psql('source', $by_index),
		"the restored indexes answer like the source ($format)");
}

$node->stop;
done_testing();
