#!/usr/bin/python3
"""crs_numpy.py — Canada's CRS (rulebooks/ca/crs.rules) in Python with numpy: the reference
of the batch benchmark (bench/batch.sh).

Written as a careful analyst would: read the CSV once, turn every column into a numpy
array, then score with whole-array operations (np.select for the bands, np.minimum for
the caps) — no Python loop over rows in the scoring. Parsing the list fields
(`9;9;8;10`, `FR:3;CA:1`) is per string, as it must be in Python. The rules are those in
force from 2025-03-25 (no points for arranged employment), as of --as-of.

Usage: crs_numpy.py INPUT.csv OUTPUT.csv [--as-of YYYY-MM-DD]
Writes `row,id,total` and prints the seconds spent reading, scoring and writing.
"""
import csv
import sys
import time

import numpy as np

EDU = {"none": 0, "secondary": 1, "post_secondary_1y": 2, "post_secondary_2y": 3, "bachelor": 4,
       "two_or_more": 5, "master": 6, "doctorate": 7}


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        cols = list(zip(*rows))
    return {name: cols[i] if cols else () for i, name in enumerate(header)}


def clb(col):
    """A ';'-separated list of CLB levels: an (n, 4) array (0 where absent) and counts."""
    n = len(col)
    out = np.zeros((n, 4), dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i, s in enumerate(col):
        if s:
            v = s.split(";")
            count[i] = len(v)
            out[i, :len(v)] = [int(x) for x in v[:4]]
    return out, count


def work_years(col):
    """Years of work in Canada and elsewhere, from `CC:years;...`."""
    n = len(col)
    ca = np.zeros(n)
    other = np.zeros(n)
    for i, s in enumerate(col):
        if s:
            for item in s.split(";"):
                c, y = item.split(":")
                if c == "CA":
                    ca[i] += float(y)
                else:
                    other[i] += float(y)
    return ca, other


def bands(x, table, else_value=0):
    """`bands x { >= t: v, ... }` with thresholds in descending order."""
    return np.select([x >= t for t, _ in table], [v for _, v in table], else_value)


def per_ability(levels, count, table):
    """The sum over the abilities given of a band table applied to each (table: (lo, hi, pts))."""
    pts = np.zeros(levels.shape)
    for lo, hi, p in table:
        pts += np.where((levels >= lo) & (levels <= hi), p, 0)
    mask = np.arange(4)[None, :] < count[:, None]
    return (pts * mask).sum(axis=1)


def score(c, as_of):
    n = len(c["id"])
    col = lambda k: np.array(c.get(k, ("",) * n), dtype=object)
    # age on the evaluation date (a 29 February birthday falls on 1 March)
    bd = np.array([s or "1900-01-01" for s in c["birth_date"]], dtype="datetime64[D]")
    by = bd.astype("datetime64[Y]").astype(int) + 1970
    bm = bd.astype("datetime64[M]").astype(int) % 12 + 1
    bday = (bd - bd.astype("datetime64[M]")).astype(int) + 1
    oy, om, od = as_of
    age = oy - by - ((om < bm) | ((om == bm) & (od < bday)))
    age_known = np.array([bool(s) for s in c["birth_date"]])
    with_spouse = col("spouse.accompanying") == "true"
    edu = np.array([EDU.get(s, -1) for s in c["education"]])
    sedu = np.array([EDU.get(s, -1) for s in c.get("spouse.education", ("",) * n)])
    en, en_n = clb(c.get("languages.en.clb", ("",) * n))
    fr, fr_n = clb(c.get("languages.fr.clb", ("",) * n))
    sen, sen_n = clb(c.get("spouse.languages.en.clb", ("",) * n))
    en_low = np.where(en_n == 4, en.min(axis=1), 0)
    fr_low = np.where(fr_n == 4, fr.min(axis=1), 0)
    french_first = (fr_low > en_low) | ((fr_low == en_low) & (fr.sum(axis=1) > en.sum(axis=1)))
    first, first_n = np.where(french_first[:, None], fr, en), np.where(french_first, fr_n, en_n)
    second, second_n = np.where(french_first[:, None], en, fr), np.where(french_first, en_n, fr_n)
    first_low = np.where(french_first, fr_low, en_low)
    cw, fw = work_years(c.get("work", ("",) * n))
    # A. core
    age_s = np.select([age <= 17, age == 18, age == 19, age <= 29, age == 30, age == 31, age == 32, age == 33,
                       age == 34, age == 35, age == 36, age == 37, age == 38, age == 39, age == 40, age == 41,
                       age == 42, age == 43, age == 44],
                      [0, 90, 95, 100, 95, 90, 85, 80, 75, 70, 65, 60, 55, 50, 45, 35, 25, 15, 5], 0)
    age_n = np.select([age <= 17, age == 18, age == 19, age <= 29, age == 30, age == 31, age == 32, age == 33,
                       age == 34, age == 35, age == 36, age == 37, age == 38, age == 39, age == 40, age == 41,
                       age == 42, age == 43, age == 44],
                      [0, 99, 105, 110, 105, 99, 94, 88, 83, 77, 72, 66, 61, 55, 50, 39, 28, 17, 6], 0)
    age_pts = np.where(age_known, np.where(with_spouse, age_s, age_n), 0)
    edu_s = bands(edu, [(7, 140), (6, 126), (5, 119), (4, 112), (3, 91), (2, 84), (1, 28)])
    edu_n = bands(edu, [(7, 150), (6, 135), (5, 128), (4, 120), (3, 98), (2, 90), (1, 30)])
    edu_pts = np.where(edu >= 0, np.where(with_spouse, edu_s, edu_n), 0)
    fl_s = per_ability(first, first_n, [(4, 5, 6), (6, 6, 8), (7, 7, 16), (8, 8, 22), (9, 9, 29), (10, 99, 32)])
    fl_n = per_ability(first, first_n, [(4, 5, 6), (6, 6, 9), (7, 7, 17), (8, 8, 23), (9, 9, 31), (10, 99, 34)])
    first_pts = np.where(with_spouse, fl_s, fl_n)
    second_pts = np.minimum(per_ability(second, second_n, [(5, 6, 1), (7, 8, 3), (9, 99, 6)]),
                            np.where(with_spouse, 22, 24))
    cw_s = bands(cw, [(5, 70), (4, 63), (3, 56), (2, 46), (1, 35)])
    cw_n = bands(cw, [(5, 80), (4, 72), (3, 64), (2, 53), (1, 40)])
    cw_pts = np.where(with_spouse, cw_s, cw_n)
    core = np.minimum(age_pts + edu_pts + first_pts + second_pts + cw_pts, np.where(with_spouse, 460, 500))
    # B. spouse
    sedu_pts = np.where(with_spouse & (sedu >= 0), bands(sedu, [(6, 10), (5, 9), (4, 8), (3, 7), (2, 6), (1, 2)]), 0)
    slang = np.where(with_spouse, per_ability(sen, sen_n, [(5, 5, 1), (6, 6, 1), (7, 8, 3), (9, 99, 5)]), 0)
    spouse = np.minimum(sedu_pts + slang, 40)
    human = np.minimum(core + spouse, 500)
    # C. transferability
    upper, lower = edu >= 5, edu >= 2
    lang_hi, lang_lo = first_low >= 9, first_low >= 7
    e_l = np.where(upper, np.select([lang_hi, lang_lo], [50, 25], 0), np.where(lower, np.select([lang_hi, lang_lo], [25, 13], 0), 0))
    e_c = np.where(upper, np.select([cw >= 2, cw >= 1], [50, 25], 0), np.where(lower, np.select([cw >= 2, cw >= 1], [25, 13], 0), 0))
    f_l = np.where(fw >= 3, np.select([lang_hi, lang_lo], [50, 25], 0), np.where(fw >= 1, np.select([lang_hi, lang_lo], [25, 13], 0), 0))
    f_c = np.where(fw >= 3, np.select([cw >= 2, cw >= 1], [50, 25], 0), np.where(fw >= 1, np.select([cw >= 2, cw >= 1], [25, 13], 0), 0))
    cert = np.where(col("CA.certificate_of_qualification") == "true", np.select([first_low >= 7, first_low >= 5], [50, 25], 0), 0)
    transfer = np.minimum(np.minimum(e_l + e_c, 50) + np.minimum(f_l + f_c, 50) + cert, 100)
    # D. additional (as of 2025-03-25 and later: no points for a job offer)
    ced = col("CA.canadian_education")
    extra = (np.where(col("CA.nomination") == "true", 600, 0) + np.where(ced == "3y_or_more", 30, np.where(ced == "1_2y", 15, 0))
             + np.where(col("CA.sibling") == "true", 15, 0) + np.where(fr_low >= 7, np.where(en_low >= 5, 50, 25), 0))
    return human + transfer + np.minimum(extra, 600)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    as_of = (2025, 6, 1)
    if "--as-of" in sys.argv:
        y, m, d = sys.argv[sys.argv.index("--as-of") + 1].split("-")
        as_of = (int(y), int(m), int(d))
    t0 = time.perf_counter()
    c = read(sys.argv[1])
    t1 = time.perf_counter()
    total = score(c, as_of)
    t2 = time.perf_counter()
    with open(sys.argv[2], "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["row", "id", "total"])
        w.writerows(zip(range(1, len(total) + 1), c["id"], total.astype(np.int64)))
    t3 = time.perf_counter()
    print(f"read {t1 - t0:.3f} s, score {t2 - t1:.3f} s, write {t3 - t2:.3f} s, total {t3 - t0:.3f} s, rows {len(total)}")


if __name__ == "__main__":
    main()
