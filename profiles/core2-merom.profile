# core2-merom.profile - Intel Core 2 (Merom, 65 nm), as a Core 2 Duo T7200; the first Core with VT-x.
# Format and keys: README.md. Sources checked so far: /work/shared/COSTS.md.
name         core2-merom
description  Intel Core 2 Duo T7200 (Merom, 2006)

frequency    2.0 GHz  # source: Intel product specifications (ark.intel.com), Core 2 Duo T7200 2.00 GHz

cycles.alu           1    # estimate: latency 1 for ADD/MOV r,r in Agner Fog's instruction tables (to check)
cycles.mul           3    # estimate: IMUL r32,r32 latency 3 in Agner Fog's instruction tables (to check)
cycles.div           30   # estimate: DIV r32 latency 17-41 in Agner Fog's instruction tables (to check)
cycles.branch_taken  1    # estimate: a correctly predicted taken branch; no branch predictor is modelled
cycles.call_ret      2    # estimate: CALL/RET with a correct return-stack prediction
cycles.string_iter   1    # estimate: one element per cycle
cycles.system        30   # estimate: serializing system instructions; no citable figure

cycles.walk_ref      14   # estimate: assumes each paging-structure entry hits in L2 (L2 latency per the Intel optimization manual, to check)
cycles.tlb_miss      10   # estimate: fixed cost of a DTLB0 miss (to check)
cycles.pwc_hit       2    # estimate: no published latency for paging-structure-cache hits
cycles.exception     250  # estimate: COSTS.md has only low-reliability ns figures for trap-gate delivery
cycles.interrupt     270  # estimate: exception delivery plus the INTA cycle
cycles.cr3_write     100  # estimate: no citable number for a CR3 write (COSTS.md)
cycles.tlb_flush     10   # estimate: the flush itself; misses that follow are charged as they happen

cycles.vm_exit       2300 # estimate: Intel said Penryn cut transition times 25-75% and Nehalem ~33% more (COSTS.md, relative only); scaled from SplitX's ~2,000 on Nehalem to ~4,000 per round trip
cycles.vm_entry      1700 # estimate: the entry share of the same ~4,000-cycle round trip

tlb.itlb_4k          128  # estimate: re-read the Core ITLB row of the Intel optimization manual
tlb.dtlb_4k          16   # source: Intel optimization manual, Core DTLB0 16 entries (COSTS.md, checked)
tlb.dtlb_2m          32   # source: Intel optimization manual, Core DTLB1 32 entries for large pages (COSTS.md, checked)
tlb.dtlb_1g          0    # estimate: 1 GiB pages are assumed absent on Merom (check CPUID.80000001H:EDX[26])
tlb.stlb             256  # source: Intel optimization manual, Core DTLB1 256 entries for 4K pages, modelled as the second level (COSTS.md, checked)
tlb.pwc              16   # estimate: paging-structure cache sizes are not published
