#!/usr/bin/env bash
# The C export on a Cortex-M4: cross-compiles the default wrist student's C export and its check harness with
# Debian's gcc-arm-none-eabi (-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16, hard float), runs it under
# qemu-system-arm -M mps2-an386 with semihosting, requires every output byte to equal the Swift integer
# runtime's (int8 inputs and raw inputs normalised and quantized on the device), and prints flash and RAM
# from arm-none-eabi-size for the model alone and for the whole check program.
#   Scripts/check_cortex_m4.sh [--samples N] [--model student|golden|operators]
# Installs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm with apt when missing. Uses
# $SENSORFM_BIN (default .build/release/sensorfm, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
samples=3 model=student
while [ $# -gt 0 ]; do
  case $1 in
    --samples) samples=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    *) echo "check_cortex_m4: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

if ! command -v arm-none-eabi-gcc >/dev/null || ! command -v qemu-system-arm >/dev/null \
  || [ ! -d /usr/lib/arm-none-eabi/newlib ]; then
  echo "check_cortex_m4: installing gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm >/dev/null
fi

bin=${SENSORFM_BIN:-.build/release/sensorfm}
[ -x "$bin" ] || swift build -c release --product sensorfm
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-m4.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" edge selfcheck --format c --model "$model" --samples "$samples" --out "$work"

# Vector table, reset (FPU on, .data copied, .bss cleared), semihosting output and exit.
cat >"$work/m4_main.c" <<'EOF'
#include <stdint.h>
#include <string.h>
int sensorfm_check(void);
extern uint32_t _stack_top, _data_load, _data_start, _data_end, _bss_start, _bss_end;

static int semihost(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sensorfm_write(const char *text) { semihost(0x04, text); } /* SYS_WRITE0 */

static void finish(int ok) { /* SYS_EXIT: ADP_Stopped_ApplicationExit, or RunTimeErrorUnknown */
    semihost(0x18, (const void *)(uintptr_t)(ok ? 0x20026 : 0x20023));
    for (;;) {}
}

void fault_handler(void) {
    sensorfm_write("check_cortex_m4: processor fault\n");
    finish(0);
}

void reset_handler(void) {
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20; /* CPACR: full access to CP10/CP11 (the FPU) */
    __asm__ volatile("dsb\n isb");
    memcpy(&_data_start, &_data_load, (size_t)((char *)&_data_end - (char *)&_data_start));
    memset(&_bss_start, 0, (size_t)((char *)&_bss_end - (char *)&_bss_start));
    finish(sensorfm_check() == 0);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_stack_top, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, fault_handler,
};
EOF

# A wrist-class part: 1 MiB flash at 0, 256 KiB RAM at 0x20000000 (the MPS2 board has more of both).
cat >"$work/m4.ld" <<'EOF'
MEMORY {
  FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 1M
  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 256K
}
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) . = ALIGN(4); } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .data : { _data_start = .; *(.data*) . = ALIGN(4); _data_end = .; } > RAM AT > FLASH
  _data_load = LOADADDR(.data);
  .bss (NOLOAD) : { _bss_start = .; *(.bss*) *(COMMON) . = ALIGN(4); _bss_end = .; } > RAM
  end = .;
  _stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
EOF

flags=(-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -std=c99 -Wall -Wextra -Werror
  -ffp-contract=off -ffunction-sections -fdata-sections)
(
  cd "$work"
  arm-none-eabi-gcc "${flags[@]}" -c sensorfm_model.c -o sensorfm_model.o
  arm-none-eabi-gcc "${flags[@]}" -nostartfiles --specs=nano.specs --specs=nosys.specs -T m4.ld -Wl,--gc-sections \
    m4_main.c sensorfm_check.c sensorfm_model.c -o check.elf
)
echo "check_cortex_m4: arm-none-eabi-size (flash = text + data, RAM = data + bss)"
arm-none-eabi-size "$work/sensorfm_model.o" "$work/check.elf"
arm-none-eabi-size "$work/sensorfm_model.o" | awk 'NR == 2 { printf "model %s: flash %d B, RAM %d B\n", "'"$model"'", $1 + $2, $2 + $3 }'

status=0
timeout 600 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/check.elf" >"$work/qemu.log" 2>&1 || status=$?
grep -v '^int8 \|^raw ' "$work/qemu.log" || true
if [ "$status" -eq 0 ] && grep -q "^sensorfm_check: $samples samples, 0 mismatching outputs$" "$work/qemu.log"; then
  echo "check_cortex_m4: ok ($samples samples of the $model model byte-identical to the Swift integer runtime on the Cortex-M4)"
else
  echo "check_cortex_m4: FAILED (qemu exit $status)"
  tail -5 "$work/qemu.log"
  exit 1
fi
