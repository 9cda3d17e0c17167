/* One of two libraries of the same layout (built with -DWHICH=a or -DWHICH=b): swap_a or swap_b, at the same
   offset in each, so a process that dlcloses one and dlopens the other finds the other's code at the same address. */
#define CAT(x, y) x##y
#define NAME(w) CAT(swap_, w)
int NAME(WHICH)(int x) { return x * 3 + (WHICH_VALUE); }
