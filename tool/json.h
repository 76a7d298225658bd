/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: the caller emits values in order and the
 * writer adds commas, indentation and string escaping.
 */
#ifndef PTUN_TOOL_JSON_H
#define PTUN_TOOL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	bool after_key;
	bool one_line;		/* no newlines or indentation inside a value */
	bool has_items[JSON_MAX_DEPTH];
};

void json_escape(FILE *f, const char *s);

void json_init(struct json *j, FILE *f);
/* as json_init, each top-level value on one line (JSON Lines) */
void json_init_line(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);	/* NULL gives null */
void json_null(struct json *j);
void json_bool(struct json *j, bool v);
void json_u64(struct json *j, uint64_t v);
void json_finish(struct json *j);

#endif /* PTUN_TOOL_JSON_H */
