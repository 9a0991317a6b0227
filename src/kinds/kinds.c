/*
 * kinds.c — what the kinds' batch functions share (kinds.h): a cleared result, and one
 * row of a chunk seen as a case, for the per-row code that reads a case (a pathway's
 * history, the input a factor lacks).
 */
#include "kinds/kinds.h"

#include <math.h>
#include <string.h>

void kind_result_clear(kind_result *res) {
    *res = (kind_result){.rule = -1, .date = TF_DATE_DEFAULT, .as_of = TF_DATE_DEFAULT, .total = NAN, .book = -1,
                         .category = -1, .missing = -1, .status = TF_OK, .outcome = -1, .passes = -1, .complete = 1};
}

void kind_row_case(const tf_rules *r, const vec_rows *rows, uint32_t k, tf_case *view) {
    size_t stride = rows->stride;
    for (uint32_t i = 0; i < r->ninputs; i++) {
        size_t at = (size_t)i * stride + k;
        view->vals[i] = rows->vals[at];
        view->known[i] = rows->known[at];
        view->text[i] = NULL;
        if (rows->lists) view->lists[i] = rows->lists[at];
        else memset(&view->lists[i], 0, sizeof view->lists[i]);
    }
}
