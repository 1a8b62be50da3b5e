/* Freestanding program with no imports, used for the PE32 (i686) and ARM64
 * fixtures. Built with clang --target=<arch>-pc-windows-msvc and lld-link
 * /nodefaultlib /entry:tiny_main /subsystem:console by make-fixtures.sh. */

/* Some data and code so that the image has more than one section. */
static const char message[] = "sigtrace e2e fixture";
volatile unsigned int sink;

int tiny_main(void)
{
    unsigned int h = 2166136261u;
    for (unsigned int i = 0; i < sizeof message - 1; i++)
        h = (h ^ (unsigned char)message[i]) * 16777619u;
    sink = h;
    return 0;
}
