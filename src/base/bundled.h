/*
 * bundled.h — the rulebooks built into the library.
 *
 * The build (cmake/embed.cmake) turns every .rules file under rulebooks/ into a byte array
 * in the generated file bundled_rules.c, with this table over them: file names relative
 * to the repository root ("rulebooks/cn/entry.rules"), rulebooks/case.rules first and
 * the rest in name order. Each text is NUL-terminated and `len` excludes the NUL; the
 * text may hold any bytes, NULs included. tf_rules_load_bundled compiles this table.
 */
#ifndef TF_BUNDLED_H
#define TF_BUNDLED_H

#include <stddef.h>

#include "talentflow.h"

extern const tf_source tf_bundled_sources[];
extern const size_t tf_bundled_count;

#endif
