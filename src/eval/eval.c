/*
 * eval.c — the expression evaluator.
 *
 * A recursive walk over the node array; the checker has already proved every operand
 * has the type its opcode expects, so nothing is checked here. Division by zero gives
 * an unknown value rather than a trap. Comparisons of doubles are exact: money and
 * numbers in rulebooks are decimal constants compared with case values parsed the same
 * way.
 */
#include "eval/eval.h"

#include <string.h>

int eval_node(const ev_ctx *x, uint32_t n, rv *out) {
    const ir_node *nd = &x->rb->nodes[n];
    rv a, b;
    int ka, kb;
    switch ((opcode)nd->op) {
    case OP_CONST: *out = nd->k; return 1;
    case OP_INPUT:
        if (!x->in || !x->known[nd->a]) return 0;
        *out = x->in[nd->a];
        return 1;
    case OP_VALUE:
        if (!x->ep->val_known[nd->a]) return 0;
        *out = x->ep->vals[nd->a];
        return 1;
    case OP_IN:
        if (!eval_node(x, nd->a, &a)) return 0;
        out->i = bits_has(&x->ep->sets[nd->b], (uint32_t)a.i) ^ (int)nd->c;
        return 1;
    case OP_NOT:
        if (!eval_node(x, nd->a, &a)) return 0;
        out->i = !a.i;
        return 1;
    case OP_AND:
        ka = eval_node(x, nd->a, &a);
        if (ka && !a.i) return out->i = 0, 1;
        kb = eval_node(x, nd->b, &b);
        if (kb && !b.i) return out->i = 0, 1;
        if (!ka || !kb) return 0;
        return out->i = 1, 1;
    case OP_OR:
        ka = eval_node(x, nd->a, &a);
        if (ka && a.i) return out->i = 1, 1;
        kb = eval_node(x, nd->b, &b);
        if (kb && b.i) return out->i = 1, 1;
        if (!ka || !kb) return 0;
        return out->i = 0, 1;
    case OP_IF:
        if (!eval_node(x, nd->a, &a)) return 0;
        return eval_node(x, a.i ? nd->b : nd->c, out);
    default: break;
    }
    /* unary and binary operators: operands first */
    if (!eval_node(x, nd->a, &a)) return 0;
    if (nd->op == OP_NEG_I) return out->i = -a.i, 1;
    if (nd->op == OP_NEG_D) return out->d = -a.d, 1;
    if (nd->op == OP_I2D) return out->d = (double)a.i, 1;
    if (nd->op == OP_D2I) return out->i = (int64_t)(a.d < 0 ? a.d - 0.5 : a.d + 0.5), 1;
    if (nd->op == OP_DAYS2MIN) return out->i = a.i * 1440, 1;
    if (!eval_node(x, nd->b, &b)) return 0;
    switch ((opcode)nd->op) {
    case OP_EQ_I: out->i = a.i == b.i; break;
    case OP_NE_I: out->i = a.i != b.i; break;
    case OP_LT_I: out->i = a.i < b.i; break;
    case OP_LE_I: out->i = a.i <= b.i; break;
    case OP_GT_I: out->i = a.i > b.i; break;
    case OP_GE_I: out->i = a.i >= b.i; break;
    case OP_EQ_D: out->i = a.d == b.d; break;
    case OP_NE_D: out->i = a.d != b.d; break;
    case OP_LT_D: out->i = a.d < b.d; break;
    case OP_LE_D: out->i = a.d <= b.d; break;
    case OP_GT_D: out->i = a.d > b.d; break;
    case OP_GE_D: out->i = a.d >= b.d; break;
    case OP_EQ_S: out->i = strcmp(a.s, b.s) == 0; break;
    case OP_NE_S: out->i = strcmp(a.s, b.s) != 0; break;
    case OP_ADD_I: out->i = a.i + b.i; break;
    case OP_SUB_I: out->i = a.i - b.i; break;
    case OP_MUL_I: out->i = a.i * b.i; break;
    case OP_DIV_I:
        if (!b.i) return 0;
        out->i = a.i / b.i;
        break;
    case OP_ADD_D: out->d = a.d + b.d; break;
    case OP_SUB_D: out->d = a.d - b.d; break;
    case OP_MUL_D: out->d = a.d * b.d; break;
    case OP_DIV_D:
        if (b.d == 0) return 0;
        out->d = a.d / b.d;
        break;
    case OP_DATE_ADD: out->i = a.i + b.i / 1440; break;
    case OP_DATE_SUB: out->i = a.i - b.i / 1440; break;
    default: return 0;
    }
    return 1;
}
