/*
 * ir.c — small lookups over a compiled rule set, shared by every evaluator and printer.
 */
#include "eval/ir.h"

#include <stdio.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"

const char *const outcome_names[OUT__COUNT] = {
#define OUT_NAME(k, s) s,
    OUTCOMES(OUT_NAME)
#undef OUT_NAME
};

const char *const op_names[OP__COUNT] = {
#define OP_NAME(op, name, n) name,
    OPCODES(OP_NAME)
#undef OP_NAME
};

const unsigned char op_arity[OP__COUNT] = {
#define OP_ARITY(op, name, n) n,
    OPCODES(OP_ARITY)
#undef OP_ARITY
};

int outcome_find(const char *s, size_t len) {
    for (int i = 0; i < OUT__COUNT; i++)
        if (strlen(outcome_names[i]) == len && !memcmp(outcome_names[i], s, len)) return i;
    return -1;
}

int bits_count(const bits256 *b) {
    return __builtin_popcountll(b->w[0]) + __builtin_popcountll(b->w[1]) + __builtin_popcountll(b->w[2]) +
           __builtin_popcountll(b->w[3]);
}

const ir_epoch *ir_epoch_at(const ir_rulebook *rb, int32_t day) {
    uint32_t lo = 0, hi = rb->nepochs; /* find the last start <= day */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (rb->epoch_start[mid] <= day) lo = mid;
        else hi = mid;
    }
    return &rb->epochs[lo];
}

/* The first slot of a name's probe (FNV-1a). */
static uint32_t input_hash(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h & (IR_INPUT_SLOTS - 1);
}

static int input_is(const tf_rules *r, uint32_t i, const char *s, size_t len) {
    const char *name = r->inputs[i].name;
    return !strncmp(name, s, len) && !name[len];
}

int ir_input_find(const tf_rules *r, const char *s, size_t len) {
    if (r->ninputs > IR_INPUT_SLOTS / 2) { /* past the index */
        for (uint32_t i = 0; i < r->ninputs; i++)
            if (input_is(r, i, s, len)) return (int)i;
        return -1;
    }
    for (uint32_t h = input_hash(s, len);; h = (h + 1) & (IR_INPUT_SLOTS - 1)) {
        uint32_t in = r->input_slot[h];
        if (!in) return -1;
        if (input_is(r, in - 1, s, len)) return (int)in - 1;
    }
}

void ir_input_add(tf_rules *r, uint32_t i) {
    const char *name = r->inputs[i].name;
    if (i >= IR_INPUT_SLOTS / 2 || !name) return; /* ir_input_find reads them in order */
    uint32_t h = input_hash(name, strlen(name));
    while (r->input_slot[h]) h = (h + 1) & (IR_INPUT_SLOTS - 1);
    r->input_slot[h] = (uint16_t)(i + 1);
}

int ir_port_find(const tf_rules *r, const char *s, size_t len) {
    for (uint32_t i = 0; i < r->nports; i++) { /* the first letter rules out most ports */
        const char *c = r->ports[i].code;
        if ((len ? c[0] == s[0] : !c[0]) && strlen(c) == len && !memcmp(c, s, len)) return (int)i;
    }
    return -1;
}

const char *ir_where(const tf_rules *r, span sp, char *buf, size_t n) {
    if (sp.file >= r->nfiles) {
        snprintf(buf, n, "?");
        return buf;
    }
    const ir_file *f = &r->files[sp.file];
    uint32_t lo = 0, hi = f->nlines; /* the last line starting at or before the span */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (f->lines[mid] <= sp.off) lo = mid;
        else hi = mid;
    }
    int line, col;
    diag_line_col(f->text + f->lines[lo], f->len - f->lines[lo], sp.off - f->lines[lo], &line, &col);
    snprintf(buf, n, "%s:%u:%d", f->name, lo + 1, col);
    return buf;
}

const char *ir_member_name(const tf_rules *r, type_t elem, uint32_t i) {
    switch (TYPE_BASE(elem)) {
    case TY_COUNTRY: return (int)i < country_count() ? country_at((int)i)->code : "?";
    case TY_PORT: return i < r->nports ? r->ports[i].code : "?";
    case TY_ENUM: {
        uint32_t e = TYPE_ARG(elem);
        return e < r->nenums && i < r->enums[e].nmembers ? r->enums[e].members[i] : "?";
    }
    default: return "?";
    }
}

const char *ir_format_value(const tf_rules *r, type_t t, rv v, char *buf, size_t n) {
    char b[11];
    switch (TYPE_BASE(t)) {
    case TY_DATE: snprintf(buf, n, "%s", date_format((int32_t)v.i, b)); break;
    case TY_DURATION:
        if (v.i % 1440 == 0) snprintf(buf, n, "%lld days", (long long)(v.i / 1440));
        else if (v.i % 60 == 0) snprintf(buf, n, "%lld hours", (long long)(v.i / 60));
        else snprintf(buf, n, "%lld minutes", (long long)v.i);
        break;
    case TY_TIME: snprintf(buf, n, "%02d:%02d", (int)(v.i / 60), (int)(v.i % 60)); break;
    case TY_NUMBER: case TY_MONEY: snprintf(buf, n, "%g", v.d); break;
    case TY_STRING: snprintf(buf, n, "\"%s\"", v.s); break;
    case TY_COUNTRY: case TY_PORT: case TY_ENUM:
        snprintf(buf, n, "%s", v.i == PORT_UNDESIGNATED ? "(undesignated)" : ir_member_name(r, t, (uint32_t)v.i));
        break;
    case TY_BOOL: snprintf(buf, n, "%s", v.i ? "true" : "false"); break;
    default: snprintf(buf, n, "%lld", (long long)v.i); break;
    }
    return buf;
}
