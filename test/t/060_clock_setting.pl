# salesalgo.now is parsed in its check hook without catching an error: every
# spelling timestamptz_in takes gives the same time, in several time zones;
# every bad value fails with 22023 and leaves the clock as it was, also
# hundreds of times in one session; SET and RESET in transactions that commit
# or roll back end without a warning (PostgreSQL 16 and later free the
# hook's memory with guc_free: memory from malloc made every COMMIT fail).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('clock');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	CREATE FUNCTION public.set_error(value text) RETURNS text
	LANGUAGE plpgsql AS $$
	BEGIN
		PERFORM pg_catalog.set_config('salesalgo.now', value, false);
		RETURN 'ok';
	EXCEPTION WHEN OTHERS THEN
		RETURN SQLSTATE || ' ' || SQLERRM;
	END $$;
});

my @good = (
	'2026-01-01 09:00+03', '2026-01-01T09:00:00.123456+03', 'Jan 1 2026 09:00 PST',
	'2026-01-01 09:00 Europe/Moscow', '20260101 090000', 'J2461042 09:00',
	'2026-03-29 02:30', '2026-10-25 02:30', '1999-12-31 23:59:59.999999+14',
	'4713-11-24 00:00 BC', '294276-12-31 12:00+00', 'epoch', 'today', 'tomorrow',
	'yesterday', 'now', 'January 8, 2026 04:05:06 AM');
for my $zone ('UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kolkata')
{
	my $sql = qq{LOAD 'salesalgo'; SET TimeZone = '$zone';};
	for my $value (@good)
	{
		my $quoted = $value =~ s/'/''/gr;
		$sql .= qq{BEGIN; SET salesalgo.now = '$quoted';
			SELECT salesalgo.now() = '$quoted'::timestamptz; COMMIT;};
	}
	my @same = split /\n/, $node->safe_psql('postgres', $sql);
	for my $i (0 .. $#good)
	{
		is($same[$i], 't', "'$good[$i]' in $zone is timestamptz_in's time");
	}
}

# Bad values, each after a good one: the error and the clock unchanged.
my @bad = (
	'soon', 'infinity', '-infinity', '2026-13-01', '2026-02-30 09:00', '24:61',
	'09:00', 'allballs', '2026-01-01 09:00+99', '10000000-01-01', '294277-01-01',
	'4714-11-23 BC', 'J', '2026-01-01 09:00 Mars/Olympus', ('9' x 300),
	'2026-01-01 ' . ('9:' x 200), "2026-01-01\t\t09:00 junk");
# LOAD: until the library is loaded, salesalgo.now is a placeholder that
# takes any text.
my $sql = q{LOAD 'salesalgo'; SET salesalgo.now = '2026-01-01 09:00+00';};
for my $value (@bad)
{
	my $quoted = $value =~ s/'/''/gr;
	$sql .= qq{SELECT public.set_error('$quoted');};
}
$sql .= q{SELECT salesalgo.now() = '2026-01-01 09:00+00';};
my ($rc, $out, $err) = $node->psql('postgres', $sql);
is($rc, 0, 'the session lived through every bad value');
my @lines = split /\n/, $out;
my $unchanged = pop @lines;
for my $i (0 .. $#bad)
{
	my $shown = length($bad[$i]) > 40 ? substr($bad[$i], 0, 40) . '...' : $bad[$i];
	like($lines[$i] // '', qr/^22023 /, "'$shown' fails with 22023");
}
is($unchanged, 't', 'the clock kept the time set before the bad values');
is($err, '', 'no warning');

# Hundreds of failed and good settings in one session, in transactions that
# commit and roll back, with savepoints.
$sql = q{LOAD 'salesalgo';};
for my $i (1 .. 300)
{
	$sql .= qq{BEGIN; SET salesalgo.now = '2026-02-01 09:00+00';
		SAVEPOINT a; SELECT public.set_error('bad $i'); ROLLBACK TO a;
		SET LOCAL salesalgo.now = '2026-02-02 09:00+00'; RESET salesalgo.now;
		SET salesalgo.now = '2026-02-03 09:00+00'; }
	  . ($i % 2 ? 'COMMIT;' : 'ROLLBACK;');
}
$sql .= q{SELECT salesalgo.now();};
($rc, $out, $err) = $node->psql('postgres', $sql);
is($rc, 0, '300 transactions setting and resetting the clock');
like($out, qr/2026-02-03 09:00:00\+00\z/, 'the last committed setting holds');
is($err, '', 'no warning, no error');

# As a configuration value: the server starts with it and every session
# reads it.
$node->append_conf('postgresql.conf', q{salesalgo.now = '2026-04-01 09:00+00'});
$node->restart;
is($node->safe_psql('postgres', q{SET TimeZone = 'UTC'; SELECT salesalgo.now()}),
	'2026-04-01 09:00:00+00', 'set in postgresql.conf');

$node->stop;
done_testing();
