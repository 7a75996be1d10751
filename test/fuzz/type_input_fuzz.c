/*
 * type_input_fuzz.c
 *	  A libFuzzer harness over the input of client_size and client_state:
 *	  src/spelling.c, the very code the server runs, built against
 *	  libpgcommon.
 *
 * The first byte of an input picks the database encoding (UTF8, SQL_ASCII
 * or WIN1251), the rest is the string as the input function receives it,
 * up to its first NUL.  Every input must parse to a valid value or be
 * rejected with a quotation that is short and valid text in that encoding;
 * anything else aborts, and AddressSanitizer and UBSan catch what the code
 * does wrong on the way.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined -DFRONTEND (see
 * test/t/012_type_input_fuzz.pl, which seeds it with every spelling).
 */
#include "postgres_fe.h"

#include "mb/pg_wchar.h"

#include "../../src/spelling.h"

static const int encodings[] = {PG_UTF8, PG_SQL_ASCII, PG_WIN1251};

/* The server's conversion, for the three encodings this harness uses. */
static const char *
ToUtf8(const char *s, int len)
{
	static char buf[2 * 256 + 1];
	int			n = 0;

	/* UTF8 is returned as is, as pg_server_to_any() does */
	if (len > 256)
		abort();
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		/* WIN1251: А..я are 0xC0..0xFF, U+0410..U+044F */
		if (c >= 0xC0)
		{
			int			cp = 0x0410 + (c - 0xC0);

			buf[n++] = 0xC0 | (cp >> 6);
			buf[n++] = 0x80 | (cp & 0x3F);
		}
		else if (c == 0x98)
			return NULL;		/* no character in WIN1251 */
		else if (c >= 0x80)
			buf[n++] = '?';
		else
			buf[n++] = c;
	}
	buf[n] = '\0';
	return buf;
}

static const char *
Identity(const char *s, int len)
{
	return s;
}

static void
CheckOne(const Spelling *spellings, int count, const char *input, int encoding)
{
	int			value = ParseSpelling(spellings, input, encoding,
									  encoding == PG_WIN1251 ? ToUtf8 : Identity);
	char	   *quoted;
	int			len;

	if (value < -1 || value >= count)
		abort();
	if (value >= 0)
		return;
	quoted = QuoteInput(input, encoding);
	len = strlen(quoted);
	/* 64 bytes, each at most \xNN, and "..." */
	if (len > 4 * 64 + 3)
		abort();
	if (encoding == PG_SQL_ASCII)
	{
		for (int i = 0; i < len; i++)
			if (IS_HIGHBIT_SET(quoted[i]))
				abort();
	}
	else if (pg_encoding_verifymbstr(encoding, quoted, len) != len)
		abort();
	pfree(quoted);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *input;
	int			encoding;

	if (size == 0)
		return 0;
	encoding = encodings[data[0] % lengthof(encodings)];
	input = malloc(size);
	memcpy(input, data + 1, size - 1);
	input[size - 1] = '\0';
	/* in UTF8 and WIN1251 the server only ever passes valid text */
	if (encoding == PG_SQL_ASCII ||
		pg_encoding_verifymbstr(encoding, input, strlen(input)) == (int) strlen(input))
	{
		CheckOne(client_size_spellings, CLIENT_SIZE_COUNT, input, encoding);
		CheckOne(client_state_spellings, CLIENT_STATE_COUNT, input, encoding);
	}
	free(input);
	return 0;
}
