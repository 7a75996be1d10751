/*
 * types.c
 *	  Text and binary I/O and display labels of client_size and client_state.
 *
 * Both types keep the value's position in sort order in one byte, so byte
 * order is sort order and the install script reuses the comparison and hash
 * functions of the built-in "char" type.  Input is forgiving (spelling.c
 * reads it); output is always the one English name, so that what is read
 * back is stable.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "spelling.h"
#include "types.h"

/* What the shared code needs to know of one of the two types. */
typedef struct ClosedList
{
	const char *typname;
	int			count;
	const char *const *names;	/* output names, by value */
	const char *const *labels_en;
	const char *const *labels_ru;	/* UTF-8 */
	const Spelling *spellings;
	const char *valid_values;	/* the names, for hints */
} ClosedList;

static const char *const size_names[CLIENT_SIZE_COUNT] = {
	"nonprofile", "small", "medium", "large"
};
static const char *const size_labels_en[CLIENT_SIZE_COUNT] = {
	"Non-profile", "Small", "Medium", "Large"
};
static const char *const size_labels_ru[CLIENT_SIZE_COUNT] = {
	"Непрофильный", "Маленький", "Средний", "Крупный"
};

static const ClosedList client_size_list = {
	"client_size", CLIENT_SIZE_COUNT,
	size_names, size_labels_en, size_labels_ru,
	client_size_spellings,
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

static const ClosedList client_state_list = {
	"client_state", CLIENT_STATE_COUNT,
	state_names, state_labels_en, state_labels_ru,
	client_state_spellings,
	"new, contact_1, contact_2, contact_3, deal, deal_support, client, "
	"strategic_reserve, recall, refusal"
};

static bool
HasHighBitBytes(const char *s)
{
	for (; *s; s++)
		if (IS_HIGHBIT_SET(*s))
			return true;
	return false;
}

/*
 * Text in the database encoding as UTF-8, or NULL where it has no UTF-8
 * equivalent (such as 0x98 in WIN1251): that is bad input for the type,
 * not a conversion error.
 */
static const char *
ServerToUtf8(const char *s, int len)
{
	int			encoding = GetDatabaseEncoding();
	Oid			proc;
	int			size = len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *utf8;

	if (encoding == PG_UTF8)
		return s;
	proc = FindDefaultConversionProc(encoding, PG_UTF8);
	if (!OidIsValid(proc))
		return NULL;
	utf8 = palloc(size);
	if (pg_do_encoding_conversion_buf(proc, encoding, PG_UTF8,
									  (unsigned char *) s, len,
									  utf8, size, true) != len)
		return NULL;
	return (const char *) utf8;
}

static Datum
ParseValue(const ClosedList *list, const char *input)
{
	int			encoding = GetDatabaseEncoding();
	int			value = ParseSpelling(list->spellings, input, encoding,
									  ServerToUtf8);

	if (value >= 0)
		return CharGetDatum((char) value);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					list->typname, QuoteInput(input, encoding)),
			 (encoding == PG_SQL_ASCII && HasHighBitBytes(input)) ?
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
