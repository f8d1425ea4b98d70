// An executable that only carries a version resource (versioned_exe.rc).
int main() { return 0; }
