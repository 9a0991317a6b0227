/*
 * machine.h — the lines every benchmark prints first, saying where its figures were
 * measured: the CPUs online, the CPU model (/proc/cpuinfo), the kernel, the clock
 * source behind CLOCK_MONOTONIC, the load average when the bench started (other work on
 * the machine shows in the tails), the compiler (__VERSION__) and whether the bench was
 * built with optimisation. Figures from two machines compare only with these beside
 * them. Header-only for the same reason as stats.h.
 */
#ifndef TF_BENCH_MACHINE_H
#define TF_BENCH_MACHINE_H

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The value of the first "key : value" line of a /proc or /sys file whose key starts
 * with `key` (or the whole first line when key is NULL), into buf; "?" when unreadable. */
static inline const char *machine_read_field(const char *path, const char *key, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    char line[512];
    snprintf(buf, n, "?");
    if (!f)
        return buf;
    while (fgets(line, sizeof line, f)) {
        const char *v = line;
        if (key) {
            if (strncmp(line, key, strlen(key)) != 0)
                continue;
            v = strchr(line, ':');
            if (!v)
                continue;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
        }
        snprintf(buf, n, "%.*s", (int)strcspn(v, "\n"), v);
        break;
    }
    fclose(f);
    return buf;
}

static inline void machine_print(void)
{
    char cpu[256], clk[64], load[128];
    struct utsname u;
    int have_uname = uname(&u) == 0;
    printf("machine:  %ld CPUs online, %s\n", sysconf(_SC_NPROCESSORS_ONLN),
           machine_read_field("/proc/cpuinfo", "model name", cpu, sizeof cpu));
    printf("system:   %s %s %s, clock source %s\n", have_uname ? u.sysname : "?",
           have_uname ? u.release : "?", have_uname ? u.machine : "?",
           machine_read_field("/sys/devices/system/clocksource/clocksource0/current_clocksource", NULL,
                              clk, sizeof clk));
    printf("load:     %s (1, 5, 15 min; running/total; last pid)\n",
           machine_read_field("/proc/loadavg", NULL, load, sizeof load));
#if defined(__clang__)
    const char *cc = "clang";
#elif defined(__GNUC__)
    const char *cc = "gcc";
#else
    const char *cc = "cc";
#endif
#ifdef __OPTIMIZE__
    const char *opt = "optimised";
#else
    const char *opt = "NOT optimised (build with -DCMAKE_BUILD_TYPE=RelWithDebInfo or Release)";
#endif
    printf("compiler: %s %s, %s\n", cc, __VERSION__, opt);
}

#endif
