// SPDX-License-Identifier: MIT
/// \file
/// The `squeal` command (placeholder until the subcommands land).
#include <cstdio>
int main() { std::puts("squeal"); return 0; }
