#!/usr/bin/env bash
# A stand-in for systemctl, for install_enforcer_test.sh through the
# installer's test hook BISK_INSTALL_SYSTEMCTL. It never touches systemd.
#
#   FAKE_SYSTEMCTL_LOG       each call's arguments are appended as one line
#   FAKE_SYSTEMCTL_STATE     a directory: active/UNIT and enabled/UNIT mark a
#                            started and an enabled unit; the file
#                            need-daemon-reload makes `show -p NeedDaemonReload`
#                            answer yes until the next daemon-reload
#   FAKE_SYSTEMCTL_UNIT_DIR  (optional) where the unit files are, for
#                            list-unit-files
#   FAKE_SYSTEMCTL_FAIL      (optional) "VERB UNIT": that call fails (exit 1)
#
# start/restart mark a unit active, stop unmarks it, enable/disable (--now
# also starts/stops) mark it enabled; is-active and is-enabled answer from
# the marks with systemctl's exit codes (3 = inactive, 1 = disabled). Any
# other verb or option is an error, so the test notices a call it does not
# model.
set -euo pipefail

log=${FAKE_SYSTEMCTL_LOG:?FAKE_SYSTEMCTL_LOG is not set}
state=${FAKE_SYSTEMCTL_STATE:?FAKE_SYSTEMCTL_STATE is not set}
printf '%s\n' "$*" >>"$log"
mkdir -p "$state/active" "$state/enabled"

verb='' quiet=0 now=0 value=0 property='' units=()
while (($#)); do
  case $1 in
    -q | --quiet) quiet=1 ;;
    --now) now=1 ;;
    --value) value=1 ;;
    --no-legend) ;;
    -p | --property)
      property=${2:?"$1 needs a value"}
      shift
      ;;
    --property=*) property=${1#*=} ;;
    -*)
      echo "fake systemctl: unknown option $1" >&2
      exit 64
      ;;
    *) if [[ -z $verb ]]; then verb=$1; else units+=("$1"); fi ;;
  esac
  shift
done

for unit in "${units[@]}"; do
  if [[ -n ${FAKE_SYSTEMCTL_FAIL:-} && $FAKE_SYSTEMCTL_FAIL == "$verb $unit" ]]; then
    echo "fake systemctl: $verb $unit failed (FAKE_SYSTEMCTL_FAIL)" >&2
    exit 1
  fi
done

need_units() {
  if ((${#units[@]} == 0)); then
    echo "fake systemctl: $verb needs a unit" >&2
    exit 64
  fi
}

rc=0
case $verb in
  daemon-reload) rm -f "$state/need-daemon-reload" ;;
  start | restart)
    need_units
    for unit in "${units[@]}"; do touch "$state/active/$unit"; done
    ;;
  stop)
    need_units
    for unit in "${units[@]}"; do rm -f "$state/active/$unit"; done
    ;;
  enable | disable)
    need_units
    for unit in "${units[@]}"; do
      if [[ $verb == enable ]]; then
        touch "$state/enabled/$unit"
        if ((now)); then touch "$state/active/$unit"; fi
      else
        rm -f "$state/enabled/$unit"
        if ((now)); then rm -f "$state/active/$unit"; fi
      fi
    done
    ;;
  is-active | is-enabled)
    need_units
    for unit in "${units[@]}"; do
      if [[ $verb == is-active ]]; then
        if [[ -e $state/active/$unit ]]; then answer=active; else answer=inactive rc=3; fi
      else
        if [[ -e $state/enabled/$unit ]]; then answer=enabled; else answer=disabled rc=1; fi
      fi
      if ((!quiet)); then printf '%s\n' "$answer"; fi
    done
    ;;
  show)
    need_units
    if [[ $property != NeedDaemonReload ]]; then
      echo "fake systemctl: show -p $property is not modelled" >&2
      exit 64
    fi
    answer=no
    if [[ -e $state/need-daemon-reload ]]; then answer=yes; fi
    for unit in "${units[@]}"; do
      if ((value)); then printf '%s\n' "$answer"; else printf 'NeedDaemonReload=%s\n' "$answer"; fi
    done
    ;;
  list-unit-files)
    # One line per unit file that exists, as systemctl --no-legend prints it.
    for unit in "${units[@]}"; do
      if [[ -n ${FAKE_SYSTEMCTL_UNIT_DIR:-} && -e $FAKE_SYSTEMCTL_UNIT_DIR/$unit ]] || [[ -e $state/enabled/$unit ]]; then
        if [[ -e $state/enabled/$unit ]]; then printf '%s enabled enabled\n' "$unit"; else printf '%s disabled enabled\n' "$unit"; fi
      fi
    done
    ;;
  *)
    echo "fake systemctl: verb '$verb' is not modelled" >&2
    exit 64
    ;;
esac
exit "$rc"
