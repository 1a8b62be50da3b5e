// sigtrace e2e Mach-O input: prints a line and exits with raw Darwin system
// calls (no libSystem). Assembled with clang -target arm64-apple-macos11 and
// linked with ld64.lld; -DOTHER gives a different program of the same size
// (the SigThief target).
    .equ    MSG_LEN, 34             // both messages are 34 bytes
    .text
    .globl _main
    .p2align 2
_main:
    mov     x0, #1                  // fd: stdout
    adrp    x1, msg@PAGE
    add     x1, x1, msg@PAGEOFF
    mov     x2, #MSG_LEN
    mov     x16, #4                 // SYS_write
    svc     #0x80
    mov     x0, #0
    mov     x16, #1                 // SYS_exit
    svc     #0x80
    ret

    .section __TEXT,__const
msg:
#ifdef OTHER
    .ascii  "sigtrace e2e: a different program\n"
#else
    .ascii  "sigtrace e2e: hello from arm64 !!\n"
#endif
