/* placeholder: replaced by the probe */
int main (void) { return 0; }
