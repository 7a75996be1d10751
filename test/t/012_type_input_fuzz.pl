# The input functions of client_size and client_state, whatever the bytes:
# a million inputs through the libFuzzer harness of test/fuzz (the parsing
# code itself, under AddressSanitizer and UBSan), then 600,000 random
# strings through the real input functions of a running server in UTF8,
# SQL_ASCII and WIN1251 databases.  Every string parses or fails with
# 22P02; the server never crashes.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $runs = $ENV{SALESALGO_FUZZ_RUNS} // 1_000_000;
my $tmp = PostgreSQL::Test::Utils::tempdir;

# The harness, built with clang's libFuzzer against libpgcommon.
my $pg_config = 'pg_config';
chomp(my $includedir = `$pg_config --includedir-server`);
chomp(my $pkglibdir = `$pg_config --pkglibdir`);
my ($out, $err) = ('', '');
ok( IPC::Run::run(
		[
			'clang', '-g', '-O1', '-fsanitize=fuzzer,address,undefined',
			'-fno-sanitize-recover=all', '-Wno-ignored-attributes', '-DFRONTEND',
			'-isystem', $includedir, 'test/fuzz/type_input_fuzz.c', 'src/spelling.c',
			"-L$pkglibdir", '-lpgcommon', '-lpgport', '-o', "$tmp/fuzz"
		],
		'>', \$out, '2>', \$err),
	'the harness builds') or diag $err;

# Seeds: every spelling the types accept, in each of the three encodings'
# first bytes (0 UTF8, 1 SQL_ASCII, 2 WIN1251).
mkdir "$tmp/corpus";
my $n = 0;
for my $spelling (slurp_file('src/spelling.c') =~ /\{"([^"]+)", CLIENT_/g)
{
	for my $encoding (0 .. 2)
	{
		PostgreSQL::Test::Utils::append_to_file("$tmp/corpus/seed" . $n++,
			chr($encoding) . $spelling);
	}
}
ok($n > 100, "$n seeds");

($out, $err) = ('', '');
my $ran = IPC::Run::run([ "$tmp/fuzz", "-runs=$runs", '-seed=1', '-max_len=300', "$tmp/corpus" ],
	'>', \$out, '2>', \$err);
ok($ran, 'the harness ends without a crash, a leak or undefined behaviour')
  or diag substr($err, -3000);
like($err, qr/Done $runs runs/, "$runs inputs");

# The real input functions, in a server.
my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->start;
my $postmaster = $node->{_pid};

my %databases = (
	fuzz_utf8 => [ 'UTF8', '1 + (random() * 1279)::int' ],    # up to Cyrillic
	fuzz_sql_ascii => [ 'SQL_ASCII', '1 + (random() * 254)::int' ],
	fuzz_win1251 => [ 'WIN1251', '1 + (random() * 254)::int' ],
);
for my $db (sort keys %databases)
{
	my ($encoding, $code) = @{ $databases{$db} };
	$node->safe_psql('postgres',
		"CREATE DATABASE $db ENCODING '$encoding' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
	my $result = $node->safe_psql($db, qq{
		CREATE EXTENSION salesalgo;
		CREATE TEMP TABLE outcome (parsed bigint, rejected bigint);
		DO \$\$
		DECLARE
			s text;
			parsed bigint := 0;
			rejected bigint := 0;
			names text[] := ARRAY['сделка', 'Крупный', '2 контакт', 'strategic_reserve',
			                      'небольшой', 'Сопровождение сделки', 'contact-1', ' NEW '];
		BEGIN
			PERFORM setseed(0.5);
			FOR i IN 1..200000 LOOP
				IF i % 2 = 0 THEN
					SELECT string_agg(chr($code), '') INTO s
					FROM generate_series(1, (random() * 80)::int);
				ELSE
					-- a real name, damaged
					s := overlay(names[1 + i % 8] PLACING chr($code)
					             FROM 1 + (random() * 10)::int FOR (random() * 2)::int);
				END IF;
				BEGIN
					PERFORM s::salesalgo.client_state;
					parsed := parsed + 1;
				EXCEPTION WHEN invalid_text_representation THEN
					rejected := rejected + 1;
				END;
				BEGIN
					PERFORM s::salesalgo.client_size;
					parsed := parsed + 1;
				EXCEPTION WHEN invalid_text_representation THEN
					rejected := rejected + 1;
				END;
			END LOOP;
			INSERT INTO outcome VALUES (parsed, rejected);
		END \$\$;
		SELECT parsed || ' parsed, ' || rejected || ' rejected' FROM outcome;
	});
	like($result, qr/^\d+ parsed, \d+ rejected$/,
		"$encoding: 200,000 strings, each parsed or rejected with 22P02 ($result)");
}
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');
unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
	'no backend crashed');
is($node->{_pid}, $postmaster, 'the same postmaster');

$node->stop;
done_testing();
