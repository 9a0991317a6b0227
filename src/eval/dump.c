/*
 * dump.c — the compiled IR in readable form (talentflow compile --dump-ir).
 *
 * Prints, for each rulebook: the epochs with what each set holds and each value is;
 * the rules with their clauses as node trees; and the node array itself, one node a
 * line, as a disassembler would. Meant for people debugging a rulebook or the compiler.
 */
#include <stdio.h>

#include "base/date.h"
#include "eval/ir.h"

static void print_value(const tf_rules *r, type_t t, rv v, FILE *out) {
    char b[128];
    fputs(ir_format_value(r, t, v, b, sizeof b), out);
}

static void print_set(const tf_rules *r, const ir_set *s, const bits256 *b, FILE *out) {
    type_t el = TYPE_SET_ELEM(s->type);
    fprintf(out, "{");
    int first = 1;
    for (uint32_t i = 0; i < 256; i++)
        if (bits_has(b, i)) {
            fprintf(out, first ? "%s" : " %s", ir_member_name(r, el, i));
            first = 0;
        }
    fprintf(out, "}");
}

void tf_rules_dump(const tf_rules *r, FILE *out) {
    char b1[11];
    fprintf(out, "rule set %s: %u files, %u inputs, %u enumerations, %u ports\n", r->version, r->nfiles, r->ninputs,
            r->nenums, r->nports);
    for (uint32_t bi = 0; bi < r->nbooks; bi++) {
        const ir_rulebook *rb = &r->books[bi];
        if (!rb->nrules && !rb->nsets && !rb->nvals) continue;
        fprintf(out, "\nrulebook %s \"%s\" (%s)\n", rb->id, rb->title, r->files[rb->file].name);
        fprintf(out, "  destination %s, otherwise %s\n", rb->dest >= 0 ? ir_member_name(r, TYPE(TY_COUNTRY, 0, 0), (uint32_t)rb->dest) : "-",
                outcome_names[rb->otherwise]);
        fprintf(out, "  %u sources, %u sets, %u values, %u rules, %u tests, %u nodes, %u epochs\n", rb->nsources,
                rb->nsets, rb->nvals, rb->nrules, rb->ntests, rb->nnodes, rb->nepochs);
        fprintf(out, "  nodes\n");
        for (uint32_t i = 0; i < rb->nnodes; i++) {
            const ir_node *n = &rb->nodes[i];
            fprintf(out, "    %4u  %-9s", i, op_names[n->op]);
            switch (n->op) {
            case OP_CONST: fputc(' ', out); print_value(r, n->type, n->k, out); break;
            case OP_INPUT: fprintf(out, " %s", r->inputs[n->a].name); break;
            case OP_VALUE: fprintf(out, " %s", rb->vals[n->a].name); break;
            case OP_IN:
                fprintf(out, " %u %s%s", n->a, n->c ? "not in " : "in ",
                        rb->sets[n->b].name ? rb->sets[n->b].name : rb->sets[n->b].title);
                break;
            case OP_IF: fprintf(out, " %u ? %u : %u", n->a, n->b, n->c); break;
            case OP_NOT: case OP_NEG_I: case OP_NEG_D: case OP_I2D: case OP_D2I: case OP_DAYS2MIN:
                fprintf(out, " %u", n->a);
                break;
            default: fprintf(out, " %u %u", n->a, n->b); break;
            }
            fputc('\n', out);
        }
        fprintf(out, "  rules\n");
        for (uint32_t i = 0; i < rb->nrules; i++) {
            const ir_rule *ru = &rb->rules[i];
            fprintf(out, "    %s %s \"%s\" -> %s", ru->is_transit ? "transit" : "entry", ru->id, ru->title,
                    outcome_names[ru->out]);
            if (ru->from != INT32_MIN) fprintf(out, " from %s", date_format(ru->from, b1));
            if (ru->until != INT32_MIN) fprintf(out, " until %s", date_format(ru->until, b1));
            fputc('\n', out);
            for (uint32_t k = 0; k < ru->nclauses; k++)
                fprintf(out, "      clause node %u: %s\n", ru->clauses[k].node, ru->clauses[k].text);
            if (ru->stay != NODE_NONE)
                fprintf(out, "      stay node %u, counted from %s\n", ru->stay, ru->counting ? "the entry day" : "next midnight");
            if (ru->limit != NODE_NONE) fprintf(out, "      limit node %u in node %u\n", ru->limit, ru->limit_window);
        }
        fprintf(out, "  epochs\n");
        for (uint32_t e = 0; e < rb->nepochs; e++) {
            const ir_epoch *ep = &rb->epochs[e];
            fprintf(out, "    from %s:", ep->start == DATE_MIN ? "the beginning" : date_format(ep->start, b1));
            for (uint32_t i = 0; i < rb->nrules; i++)
                if (ep->rule_on[i]) fprintf(out, " %s", rb->rules[i].name);
            fputc('\n', out);
            for (uint32_t i = 0; i < rb->nsets; i++) {
                fprintf(out, "      set %s (%d) = ", rb->sets[i].name ? rb->sets[i].name : rb->sets[i].title,
                        bits_count(&ep->sets[i]));
                print_set(r, &rb->sets[i], &ep->sets[i], out);
                fputc('\n', out);
            }
            for (uint32_t i = 0; i < rb->nvals; i++) {
                fprintf(out, "      value %s = ", rb->vals[i].name);
                if (ep->val_known[i]) print_value(r, rb->vals[i].type, ep->vals[i], out);
                else fputs("(no version in force)", out);
                fputc('\n', out);
            }
        }
    }
}
