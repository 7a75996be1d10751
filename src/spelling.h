/*
 * spelling.h
 *	  Reading a client_size or client_state from what people type, and
 *	  quoting what could not be read.  Compiled into the server and, with
 *	  FRONTEND defined, into the fuzz test of test/fuzz.
 */
#ifndef SALESALGO_SPELLING_H
#define SALESALGO_SPELLING_H

#include "values.h"

/*
 * A spelling accepted on input, as folding leaves it: lower case, UTF-8,
 * words separated by one space, "ё" written as "е".
 */
typedef struct Spelling
{
	const char *folded;
	uint8		value;
} Spelling;

/* each ends with {NULL, 0} */
extern const Spelling client_size_spellings[];
extern const Spelling client_state_spellings[];

/* Converts len bytes in the database encoding to UTF-8; NULL if it cannot. */
typedef const char *(*ToUtf8Func) (const char *s, int len);

extern int	ParseSpelling(const Spelling *spellings, const char *input,
						  int encoding, ToUtf8Func to_utf8);
extern char *QuoteInput(const char *input, int encoding);

#endif							/* SALESALGO_SPELLING_H */
