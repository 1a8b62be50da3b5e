// sigtrace e2e Mach-O input: prints a line and exits with raw Darwin system
// calls (no libSystem). Assembled with clang -target x86_64-apple-macos10.15
// and linked with ld64.lld.
    .equ    MSG_LEN, 32
    .text
    .globl _main
_main:
    movl    $1, %edi                # fd: stdout
    leaq    msg(%rip), %rsi
    movl    $MSG_LEN, %edx
    movl    $0x2000004, %eax        # SYS_write
    syscall
    xorl    %edi, %edi
    movl    $0x2000001, %eax        # SYS_exit
    syscall
    retq

    .section __TEXT,__const
msg:
    .ascii  "sigtrace e2e: hello from x86_64\n"
