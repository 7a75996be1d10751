/*
 * types.c
 *	  Text and binary I/O and display labels of client_size and client_state.
 *
 * Both types keep the value's position in sort order in one byte, so byte
 * order is sort order and the install script reuses the comparison and hash
 * functions of the built-in "char" type.  Input is forgiving, because values
 * come from people and spreadsheets: case, surrounding white space, a space,
 * '_' or '-' between words, and the book's Russian names all parse.  Output
 * is always the one English name, so that what is read back is stable.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "types.h"

/*
 * A spelling accepted on input, as FoldSpelling() leaves it: lower case,
 * UTF-8, words separated by one space, "ё" written as "е".
 */
typedef struct Spelling
{
	const char *folded;
	uint8		value;
} Spelling;

/* What the shared code needs to know of one of the two types. */
typedef struct ClosedList
{
	const char *typname;
	int			count;
	const char *const *names;	/* output names, by value */
	const char *const *labels_en;
	const char *const *labels_ru;	/* UTF-8 */
	const Spelling *spellings;
	int			nspellings;
	const char *valid_values;	/* the names, for hints */
} ClosedList;

/* Longer input, less surrounding white space, is no spelling of a value. */
#define MAX_INPUT_LEN		256
/* Longer than every folded spelling, with room for the terminator. */
#define MAX_FOLDED_LEN		64
/* How much of a rejected input an error message quotes. */
#define MAX_QUOTED_LEN		64

static const char *const size_names[CLIENT_SIZE_COUNT] = {
	"nonprofile", "small", "medium", "large"
};
static const char *const size_labels_en[CLIENT_SIZE_COUNT] = {
	"Non-profile", "Small", "Medium", "Large"
};
static const char *const size_labels_ru[CLIENT_SIZE_COUNT] = {
	"Непрофильный", "Маленький", "Средний", "Крупный"
};
static const Spelling size_spellings[] = {
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
};

static const ClosedList client_size_list = {
	"client_size", CLIENT_SIZE_COUNT,
	size_names, size_labels_en, size_labels_ru,
	size_spellings, lengthof(size_spellings),
	"nonprofile, small, medium, large"
};

static const char *const state_names[CLIENT_STATE_COUNT] = {
	"new", "contact_1", "contact_2", "contact_3", "deal", "deal_support",
	"client", "strategic_reserve", "recall", "refusal"
};
static const char *const state_labels_en[CLIENT_STATE_COUNT] = {
	"New client", "Contact 1", "Contact 2", "Contact 3", "Deal",
	"Deal support", "Client", "Strategic reserve", "Recall", "Refusal"
};
static const char *const state_labels_ru[CLIENT_STATE_COUNT] = {
	"Новый клиент", "1 контакт", "2 контакт", "3 контакт", "Сделка",
	"Сопровождение сделки", "Клиент", "Стратегический запас", "Обзвон",
	"Отказ"
};
static const Spelling state_spellings[] = {
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
};

static const ClosedList client_state_list = {
	"client_state", CLIENT_STATE_COUNT,
	state_names, state_labels_en, state_labels_ru,
	state_spellings, lengthof(state_spellings),
	"new, contact_1, contact_2, contact_3, deal, deal_support, client, "
	"strategic_reserve, recall, refusal"
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
 * the database encoding.  In a SQL_ASCII database bytes above 127 have no
 * known encoding, so only the English names can match there.
 */
static bool
FoldSpelling(const char *input, char *folded)
{
	int			encoding = GetDatabaseEncoding();
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
		if (!pg_verify_mbstr(encoding, start, len, true))
			return false;
		utf8 = pg_server_to_any(start, len, PG_UTF8);
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
 * Quotes a rejected input for an error message: at most MAX_QUOTED_LEN
 * bytes, bytes that are not known to be text in the database encoding
 * written as \xNN, so that the message itself is always valid text.
 */
static char *
QuoteInput(const char *input)
{
	int			encoding = GetDatabaseEncoding();
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

static bool
HasHighBitBytes(const char *s)
{
	for (; *s; s++)
		if (IS_HIGHBIT_SET(*s))
			return true;
	return false;
}

static Datum
ParseValue(const ClosedList *list, const char *input)
{
	char		folded[MAX_FOLDED_LEN];

	if (FoldSpelling(input, folded))
	{
		for (int i = 0; i < list->nspellings; i++)
			if (strcmp(folded, list->spellings[i].folded) == 0)
				return CharGetDatum((char) list->spellings[i].value);
	}

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					list->typname, QuoteInput(input)),
			 (GetDatabaseEncoding() == PG_SQL_ASCII && HasHighBitBytes(input)) ?
			 errdetail("Russian names are recognized only in a database whose encoding can represent them, and this one is SQL_ASCII.") : 0,
			 errhint("Valid values are %s, or their Russian names.",
					 list->valid_values)));
	pg_unreachable();
}

static int
CheckedValue(const ClosedList *list, Datum datum)
{
	int			value = (uint8) DatumGetChar(datum);

	/* only input and receive make values, and both check; this is damage */
	if (value >= list->count)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid internal value %d for type %s",
						value, list->typname)));
	return value;
}

static Datum
ReceiveValue(const ClosedList *list, StringInfo buf)
{
	int			value = pq_getmsgbyte(buf);

	if (value >= list->count)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value %d for type %s",
						value, list->typname),
				 errdetail("A %s is sent as one byte from 0 to %d.",
						   list->typname, list->count - 1)));
	return CharGetDatum((char) value);
}

static bytea *
SendValue(const ClosedList *list, Datum datum)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CheckedValue(list, datum));
	return pq_endtypsend(&buf);
}

static text *
LabelValue(const ClosedList *list, Datum datum, text *lang_text)
{
	int			value = CheckedValue(list, datum);
	char	   *lang = text_to_cstring(lang_text);
	const char *label;

	if (pg_strcasecmp(lang, "en") == 0)
		return cstring_to_text(list->labels_en[value]);
	if (pg_strcasecmp(lang, "ru") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported label language \"%s\"", lang),
				 errhint("Use 'en' or 'ru'.")));

	label = list->labels_ru[value];
	return cstring_to_text(pg_any_to_server(label, strlen(label), PG_UTF8));
}

static char *
OutputValue(const ClosedList *list, Datum datum)
{
	return pstrdup(list->names[CheckedValue(list, datum)]);
}

const char *
ClientStateName(ClientState state)
{
	Assert(state < CLIENT_STATE_COUNT);
	return state_names[state];
}

/* SQL-callable functions */

PG_FUNCTION_INFO_V1(client_size_in);
Datum
client_size_in(PG_FUNCTION_ARGS)
{
	return ParseValue(&client_size_list, PG_GETARG_CSTRING(0));
}

PG_FUNCTION_INFO_V1(client_size_out);
Datum
client_size_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(OutputValue(&client_size_list, PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(client_size_recv);
Datum
client_size_recv(PG_FUNCTION_ARGS)
{
	return ReceiveValue(&client_size_list, (StringInfo) PG_GETARG_POINTER(0));
}

PG_FUNCTION_INFO_V1(client_size_send);
Datum
client_size_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(SendValue(&client_size_list, PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(client_size_label);
Datum
client_size_label(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(LabelValue(&client_size_list, PG_GETARG_DATUM(0),
								PG_GETARG_TEXT_PP(1)));
}

PG_FUNCTION_INFO_V1(client_state_in);
Datum
client_state_in(PG_FUNCTION_ARGS)
{
	return ParseValue(&client_state_list, PG_GETARG_CSTRING(0));
}

PG_FUNCTION_INFO_V1(client_state_out);
Datum
client_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(OutputValue(&client_state_list, PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(client_state_recv);
Datum
client_state_recv(PG_FUNCTION_ARGS)
{
	return ReceiveValue(&client_state_list, (StringInfo) PG_GETARG_POINTER(0));
}

PG_FUNCTION_INFO_V1(client_state_send);
Datum
client_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(SendValue(&client_state_list, PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(client_state_label);
Datum
client_state_label(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(LabelValue(&client_state_list, PG_GETARG_DATUM(0),
								PG_GETARG_TEXT_PP(1)));
}

PG_FUNCTION_INFO_V1(client_state_in_worklist);
Datum
client_state_in_worklist(PG_FUNCTION_ARGS)
{
	ClientState state = CheckedValue(&client_state_list, PG_GETARG_DATUM(0));

	PG_RETURN_BOOL(ClientStateInWorklist(state));
}

/*
 * The transition functions of min() and max(), for both types: the smaller
 * byte is the earlier value.
 */
PG_FUNCTION_INFO_V1(salesalgo_byte_smaller);
Datum
salesalgo_byte_smaller(PG_FUNCTION_ARGS)
{
	uint8		a = (uint8) PG_GETARG_CHAR(0);
	uint8		b = (uint8) PG_GETARG_CHAR(1);

	PG_RETURN_CHAR((char) Min(a, b));
}

PG_FUNCTION_INFO_V1(salesalgo_byte_larger);
Datum
salesalgo_byte_larger(PG_FUNCTION_ARGS)
{
	uint8		a = (uint8) PG_GETARG_CHAR(0);
	uint8		b = (uint8) PG_GETARG_CHAR(1);

	PG_RETURN_CHAR((char) Max(a, b));
}
