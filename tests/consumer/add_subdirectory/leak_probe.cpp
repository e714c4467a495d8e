// Compiled into the consumer with -Werror but none of the SDK's warning flags: each function
// below trips one of them, so this file builds only if none of the SDK's flags reached the
// consumer's target.

int probe_unused_parameter(int unused) {  // -Wextra (-Wunused-parameter)
  return 0;
}

int probe_unused_variable() {  // -Wall (-Wunused-variable)
  int unused = 0;
  return 1;
}

int probe_conversion(long value) {  // -Wconversion
  return value;
}

int probe_shadow(int value) {  // -Wshadow
  int result = value;
  {
    int value = 1;
    result += value;
  }
  return result;
}
