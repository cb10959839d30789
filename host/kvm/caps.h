/* axvm-kvm --caps */
#ifndef AXVM_HOST_KVM_CAPS_H
#define AXVM_HOST_KVM_CAPS_H

int kvm_caps_print(void);

#endif
