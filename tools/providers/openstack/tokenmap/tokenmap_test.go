package tokenmap

import "testing"

func TestEverySDKResourceTheProjectUsesIsMatched(t *testing.T) {
	table := Load()
	cases := map[string]string{
		"openstack_compute_instance_v2":         "openstack:compute/instance:Instance",
		"openstack_networking_secgroup_rule_v2": "openstack:networking/secGroupRule:SecGroupRule",
		"openstack_networking_network_v2":       "openstack:networking/network:Network",
		"openstack_blockstorage_volume_v3":      "openstack:blockstorage/volume:Volume",
		"openstack_objectstorage_container_v1":  "openstack:objectstorage/container:Container",
		"openstack_compute_keypair_v2":          "openstack:compute/keypair:Keypair",
		"openstack_keymanager_secret_v1":        "openstack:keymanager/secretV1:SecretV1",
		"openstack_lb_loadbalancer_v2":          "openstack:loadbalancer/loadBalancer:LoadBalancer",
	}
	for tf, want := range cases {
		got, ok := table.Resource(tf)
		if !ok || got != want {
			t.Errorf("%s: got %q (found=%v), want %q", tf, got, ok, want)
		}
	}
}

func TestDataSourcesMapToGetFunctions(t *testing.T) {
	got, ok := Load().Function("openstack_images_image_v2")
	if !ok || got != "openstack:images/getImage:getImage" {
		t.Fatalf("got %q (found=%v)", got, ok)
	}
}
