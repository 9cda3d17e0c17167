// personality(2) flags the kernel acts on here.

/** No address-space randomization (what `setarch -R` sets before execve). */
export const ADDR_NO_RANDOMIZE = 0x0040000;
/** The value that asks for the current personality without changing it. */
export const PERSONALITY_QUERY = 0xffffffff;
