/* Tiny console program used as a PE32+ (x86-64) fixture input.
 * Built with x86_64-w64-mingw32-gcc by make-fixtures.sh. */
#include <stdio.h>

int main(void)
{
    puts("sigtrace e2e fixture");
    return 0;
}
