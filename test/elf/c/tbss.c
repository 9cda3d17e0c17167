/* A library whose PT_TLS reaches past the end of every PT_LOAD: 4 bytes of .tdata, then a 4000-byte .tbss
   that occupies no space in the load image (nothing follows it in the last segment). glibc loads it. */
__thread int tls_counter = 7;
__thread char tls_buf[4000];

int tbss_next(void) {
  tls_buf[3999] += 2;
  return tls_counter++ * 1000 + tls_buf[3999];
}
