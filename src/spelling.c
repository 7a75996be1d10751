/*
 * spelling.c
 *	  Reading a client_size or client_state from what people type.
 *
 * Values come from people and spreadsheets: case, surrounding white space,
 * a space, '_' or '-' between words, and the book's Russian names all
 * parse.  This file uses nothing of the server but what libpgcommon also
 * offers, so that the fuzz test (test/fuzz) runs the very same code on
 * millions of inputs outside it.
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "spelling.h"

/* Longer input, less surrounding white space, is no spelling of a value. */
#define MAX_INPUT_LEN		256
/* Longer than every folded spelling, with room for the terminator. */
#define MAX_FOLDED_LEN		64
/* How much of a rejected input an error message quotes. */
#define MAX_QUOTED_LEN		64

const Spelling client_size_spellings[] = {
	{"nonprofile", CLIENT_SIZE_NONPROFILE},
	{"non profile", CLIENT_SIZE_NONPROFILE},
	{"непрофильный", CLIENT_SIZE_NONPROFILE},
	{"непрофильный клиент", CLIENT_SIZE_NONPROFILE},
	{"small", CLIENT_SIZE_SMALL},
	{"маленький", CLIENT_SIZE_SMALL},
	{"маленький клиент", CLIENT_SIZE_SMALL},
	{"малый", CLIENT_SIZE_SMALL},
	{"небольшой", CLIENT_SIZE_SMALL},
	{"medium", CLIENT_SIZE_MEDIUM},
	{"средний", CLIENT_SIZE_MEDIUM},
	{"средний клиент", CLIENT_SIZE_MEDIUM},
	{"large", CLIENT_SIZE_LARGE},
	{"крупный", CLIENT_SIZE_LARGE},
	{"крупный клиент", CLIENT_SIZE_LARGE},
	{"большой", CLIENT_SIZE_LARGE},
	{NULL, 0}
};

const Spelling client_state_spellings[] = {
	{"new", CLIENT_STATE_NEW},
	{"новый", CLIENT_STATE_NEW},
	{"новый клиент", CLIENT_STATE_NEW},
	{"contact 1", CLIENT_STATE_CONTACT_1},
	{"contact1", CLIENT_STATE_CONTACT_1},
	{"1 контакт", CLIENT_STATE_CONTACT_1},
	{"1 й контакт", CLIENT_STATE_CONTACT_1},
	{"первый контакт", CLIENT_STATE_CONTACT_1},
	{"контакт 1", CLIENT_STATE_CONTACT_1},
	{"contact 2", CLIENT_STATE_CONTACT_2},
	{"contact2", CLIENT_STATE_CONTACT_2},
	{"2 контакт", CLIENT_STATE_CONTACT_2},
	{"2 й контакт", CLIENT_STATE_CONTACT_2},
	{"второй контакт", CLIENT_STATE_CONTACT_2},
	{"контакт 2", CLIENT_STATE_CONTACT_2},
	{"contact 3", CLIENT_STATE_CONTACT_3},
	{"contact3", CLIENT_STATE_CONTACT_3},
	{"3 контакт", CLIENT_STATE_CONTACT_3},
	{"3 й контакт", CLIENT_STATE_CONTACT_3},
	{"третий контакт", CLIENT_STATE_CONTACT_3},
	{"контакт 3", CLIENT_STATE_CONTACT_3},
	{"deal", CLIENT_STATE_DEAL},
	{"сделка", CLIENT_STATE_DEAL},
	{"deal support", CLIENT_STATE_DEAL_SUPPORT},
	{"сопровождение сделки", CLIENT_STATE_DEAL_SUPPORT},
	{"сопровождение", CLIENT_STATE_DEAL_SUPPORT},
	{"client", CLIENT_STATE_CLIENT},
	{"клиент", CLIENT_STATE_CLIENT},
	{"strategic reserve", CLIENT_STATE_STRATEGIC_RESERVE},
	{"стратегический запас", CLIENT_STATE_STRATEGIC_RESERVE},
	{"стратегический архив", CLIENT_STATE_STRATEGIC_RESERVE},
	{"recall", CLIENT_STATE_RECALL},
	{"обзвон", CLIENT_STATE_RECALL},
	{"прозвон", CLIENT_STATE_RECALL},
	{"refusal", CLIENT_STATE_REFUSAL},
	{"отказ", CLIENT_STATE_REFUSAL},
	{NULL, 0}
};

static bool
IsSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

/*
 * Lower-cases a Cyrillic code point and writes "ё" as "е"; the book's names
 * have no "ё", but people type one for the other.
 */
static pg_wchar
FoldCyrillic(pg_wchar cp)
{
	if (cp >= 0x0400 && cp <= 0x040F)
		cp += 0x50;
	else if (cp >= 0x0410 && cp <= 0x042F)
		cp += 0x20;
	if (cp == 0x0451)
		cp = 0x0435;
	return cp;
}

/*
 * Brings an input string to the form of the spellings table.  Returns false
 * when it cannot be a spelling at all: empty, too long, or not valid text in
 * its encoding.  In SQL_ASCII bytes above 127 have no known encoding, so only
 * the English names can match there.
 */
static bool
FoldSpelling(const char *input, int encoding, ToUtf8Func to_utf8, char *folded)
{
	const char *start = input;
	const char *end;
	const char *utf8;
	int			len;
	int			n = 0;

	while (IsSpace((unsigned char) *start))
		start++;
	end = start + strlen(start);
	while (end > start && IsSpace((unsigned char) end[-1]))
		end--;
	len = end - start;
	if (len == 0 || len > MAX_INPUT_LEN)
		return false;

	if (encoding == PG_SQL_ASCII)
	{
		for (int i = 0; i < len; i++)
			if (IS_HIGHBIT_SET(start[i]))
				return false;
		utf8 = start;
	}
	else
	{
		if (pg_encoding_verifymbstr(encoding, start, len) != len)
			return false;
		utf8 = to_utf8(start, len);
		if (utf8 == NULL)
			return false;
		if (utf8 != start)
			len = strlen(utf8);
	}

	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) utf8[i];

		if (n >= MAX_FOLDED_LEN - 2)
			return false;

		if (IsSpace(c) || c == '_' || c == '-')
		{
			if (n == 0 || folded[n - 1] != ' ')
				folded[n++] = ' ';
		}
		else if (c >= 'A' && c <= 'Z')
			folded[n++] = c + ('a' - 'A');
		else if ((c == 0xD0 || c == 0xD1) && i + 1 < len)
		{
			/* a two-byte sequence in U+0400..U+047F, Cyrillic */
			pg_wchar	cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F);

			cp = FoldCyrillic(cp);
			folded[n++] = 0xC0 | (cp >> 6);
			folded[n++] = 0x80 | (cp & 0x3F);
			i++;
		}
		else
			folded[n++] = c;
	}
	folded[n] = '\0';
	return true;
}

/*
 * The value a NUL-terminated input in the given encoding spells, or -1.
 * to_utf8 converts text in that encoding, once it is known to be valid.
 */
int
ParseSpelling(const Spelling *spellings, const char *input, int encoding,
			  ToUtf8Func to_utf8)
{
	char		folded[MAX_FOLDED_LEN];

	if (!FoldSpelling(input, encoding, to_utf8, folded))
		return -1;
	for (const Spelling *s = spellings; s->folded != NULL; s++)
		if (strcmp(folded, s->folded) == 0)
			return s->value;
	return -1;
}

/*
 * Quotes a rejected input for an error message: at most MAX_QUOTED_LEN
 * bytes, bytes that are not known to be text in the database encoding
 * written as \xNN, so that the message itself is always valid text.
 */
char *
QuoteInput(const char *input, int encoding)
{
	size_t		len = strlen(input);
	const char *p = input;
	const char *end = input + Min(len, MAX_QUOTED_LEN);
	StringInfoData buf;

	initStringInfo(&buf);
	while (p < end)
	{
		int			valid = 0;

		/* in SQL_ASCII, only ASCII is known to be text */
		if (encoding != PG_SQL_ASCII)
			valid = pg_encoding_verifymbstr(encoding, p, end - p);
		else
			while (p + valid < end && !IS_HIGHBIT_SET(p[valid]))
				valid++;

		appendBinaryStringInfo(&buf, p, valid);
		p += valid;
		if (p >= end)
			break;
		/* a character cut by the length limit is left to the "..." */
		if (len > MAX_QUOTED_LEN &&
			end - p < pg_encoding_mblen(encoding, p))
			break;
		appendStringInfo(&buf, "\\x%02x", (unsigned char) *p);
		p++;
	}
	if (p < input + len)
		appendStringInfoString(&buf, "...");
	return buf.data;
}
